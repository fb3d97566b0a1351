/* SPDX-License-Identifier: MIT */
/* The whole public ABI in one include. */
#ifndef MICA_PUBLIC_MICA_H
#define MICA_PUBLIC_MICA_H

#include "types.h"
#include "errno.h"
#include "hypercall.h"
#include "version.h"
#include "console.h"
#include "sched.h"
#include "start_info.h"
#include "shared_info.h"
#include "event_channel.h"
#include "vcpu.h"
#include "grant_table.h"
#include "domctl.h"
#include "memory.h"
#include "sysctl.h"
#include "param.h"

#endif
