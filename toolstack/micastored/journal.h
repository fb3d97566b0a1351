/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Persistence (docs/store.md): DIR/snapshot holds the whole state, DIR/journal
 * every committed change since, as checksummed records. Changes are
 * buffered while a batch of requests is served and written and fsync'd by
 * journal_sync() before any reply to them leaves (group commit). At start
 * the snapshot is loaded, the journal replayed (a torn last record is
 * dropped), and both are folded into a new snapshot. Without journal_open
 * every call is a no-op.
 */
#ifndef MICASTORED_JOURNAL_H
#define MICASTORED_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

struct store;
struct conn;
struct domain;
struct changes;

/* Load DIR's state into s (an empty store); -errno with the reason logged. */
int journal_open(struct store *s, const char *dir);
void journal_close(struct store *s);
/* After the domains are connected again: restore their watches (each fires once). */
void journal_restore_watches(struct store *s);

void journal_changes(struct store *s, const struct changes *ch);
void journal_domain(struct store *s, const struct domain *d, bool gone);
void journal_quota(struct store *s, uint32_t domid);
void journal_watch(struct store *s, const struct conn *c, const char *path, const char *token,
                   bool rel, bool add);
/* Write and fsync what is buffered; compact when the journal grew large. -errno. */
int journal_sync(struct store *s);

#endif
