/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MICA_VERSION_H
#define MICA_VERSION_H

#define MICA_VERSION_STRING "0.1"

#endif
