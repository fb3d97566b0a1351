# SPDX-License-Identifier: GPL-2.0-only
# bash completion for mica(1): verbs, each verb's flags and domain names.
# The verbs and flags come from mica itself (`mica help`, `mica VERB --help`,
# which print its command table), so they never disagree with it; domain
# names come from `mica list` (root only; nothing otherwise).

_mica_verbs()
{
    "$1" help 2>/dev/null | sed -n '/^Verbs:/,/^$/s/^  \([a-z-]*\) .*/\1/p'
}

# The long and short flags of one verb, from its usage line.
_mica_flags()
{
    "$1" "$2" --help 2>/dev/null | sed -n 's/^  \(-[a-zA-Z]\), \(--[a-z-]*\).*/\1 \2/p'
}

_mica_domains()
{
    "$1" list 2>/dev/null | awk 'NR > 1 { print $1 }'
}

# Does this verb's flag take a value? (Its usage shows "[-f|--flag VALUE]".)
_mica_flag_takes_value()
{
    local usage
    usage=$("$1" "$2" --help 2>/dev/null | head -n 1)
    case $3 in
    --*) grep -q -- "|$3 [A-Z]" <<<"$usage" ;;
    *) grep -Eq -- "\\[$3\\|--[a-z-]+ [A-Z]" <<<"$usage" ;;
    esac
}

# mica store ACTION ...: the actions, then store paths (the children of what is
# typed so far, from `mica store ls`), or domains for quota.
_mica_store()
{
    local prog=$1 npos=$2 cur=$3 action= dir i
    if [ "$npos" -eq 0 ]; then
        COMPREPLY=($(compgen -W "ls read write mkdir rm watch perms quota" -- "$cur"))
        return
    fi
    for ((i = 2; i < COMP_CWORD; i++)); do
        [[ ${COMP_WORDS[i]} == -* ]] || { action=${COMP_WORDS[i]}; break; }
    done
    case $action in
    quota)
        [ "$npos" -eq 1 ] && COMPREPLY=($(compgen -W "$(_mica_domains "$prog")" -- "$cur")) ;;
    ls|read|write|mkdir|rm|watch|perms)
        [[ $cur == /* ]] || return
        dir=${cur%/*}
        COMPREPLY=($(compgen -W "$("$prog" store ls "${dir:-/}" 2>/dev/null |
            awk -v d="$dir" '{ print d "/" $1 }')" -- "$cur"))
        compopt -o nospace 2>/dev/null ;;
    esac
}

_mica()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev= prog=${COMP_WORDS[0]} verb= i npos=0
    COMPREPLY=()
    [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
    if [ "$COMP_CWORD" -le 1 ]; then
        COMPREPLY=($(compgen -W "$(_mica_verbs "$prog")" -- "$cur"))
        return 0
    fi
    verb=${COMP_WORDS[1]}
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_mica_flags "$prog" "$verb")" -- "$cur"))
        return 0
    fi
    if [[ $prev == -* ]] && _mica_flag_takes_value "$prog" "$verb" "$prev"; then
        case $verb:$prev in
        sched-credit:-d|sched-credit:--domain)
            COMPREPLY=($(compgen -W "$(_mica_domains "$prog")" -- "$cur")) ;;
        esac
        return 0
    fi
    for ((i = 2; i < COMP_CWORD; i++)); do
        [[ ${COMP_WORDS[i]} == -* ]] || npos=$((npos + 1))
    done
    case $verb in
    create)
        COMPREPLY=($(compgen -f -X '!*.xml' -- "$cur") $(compgen -d -- "$cur"))
        compopt -o filenames 2>/dev/null ;;
    help)
        [ "$npos" -eq 0 ] && COMPREPLY=($(compgen -W "$(_mica_verbs "$prog")" -- "$cur")) ;;
    store)
        _mica_store "$prog" "$npos" "$cur" ;;
    list|uptime|vcpu-list)
        COMPREPLY=($(compgen -W "$(_mica_domains "$prog")" -- "$cur")) ;;
    pci-assignable-add)
        [ "$npos" -eq 0 ] && COMPREPLY=($(compgen -W "$(ls /sys/bus/pci/devices 2>/dev/null)" -- "$cur")) ;;
    pci-assignable-remove)
        [ "$npos" -eq 0 ] && COMPREPLY=($(compgen -W "$("$prog" pci-assignable-list 2>/dev/null)" -- "$cur")) ;;
    pci-attach|pci-detach)
        [ "$npos" -eq 0 ] && COMPREPLY=($(compgen -W "$(_mica_domains "$prog")" -- "$cur"))
        [ "$npos" -eq 1 ] && COMPREPLY=($(compgen -W "$("$prog" pci-assignable-list 2>/dev/null)" -- "$cur")) ;;
    destroy|shutdown|reboot|pause|unpause|console|domid|domname|vcpu-pin|mem-max|rename|block-list|network-list|pci-list)
        [ "$npos" -eq 0 ] && COMPREPLY=($(compgen -W "$(_mica_domains "$prog")" -- "$cur")) ;;
    block-attach)
        case $npos in
        0) COMPREPLY=($(compgen -W "$(_mica_domains "$prog")" -- "$cur")) ;;
        1) COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null ;;
        2) COMPREPLY=($(compgen -W "$(printf 'xvd%s ' {a..z})" -- "$cur")) ;;
        3) COMPREPLY=($(compgen -W "ro rw" -- "$cur")) ;;
        esac ;;
    block-detach|network-detach)
        local list=block-list col=1
        [ "$verb" = network-detach ] && list=network-list
        if [ "$npos" -eq 0 ]; then
            COMPREPLY=($(compgen -W "$(_mica_domains "$prog")" -- "$cur"))
        elif [ "$npos" -eq 1 ]; then
            local dom
            for ((i = 2; i < COMP_CWORD; i++)); do
                [[ ${COMP_WORDS[i]} == -* ]] || { dom=${COMP_WORDS[i]}; break; }
            done
            COMPREPLY=($(compgen -W "$("$prog" "$list" "$dom" 2>/dev/null |
                                       awk -v c=$col 'NR > 1 { print $c }')" -- "$cur"))
        fi ;;
    network-attach)
        [ "$npos" -eq 0 ] && COMPREPLY=($(compgen -W "$(_mica_domains "$prog")" -- "$cur")) ||
            COMPREPLY=($(compgen -W "bridge= mac=" -- "$cur"))
        compopt -o nospace 2>/dev/null ;;
    esac
    return 0
}
complete -F _mica mica
