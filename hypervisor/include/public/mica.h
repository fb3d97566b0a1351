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

#endif
