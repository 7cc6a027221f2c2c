#ifndef HERALD_HEAP_STATS_H
#define HERALD_HEAP_STATS_H

#include <stddef.h>

/// Bytes currently allocated through malloc in this process (every arena plus mmapped chunks),
/// from glibc's mallinfo2. Unlike resident memory it ignores free pages the allocator keeps.
size_t herald_live_heap_bytes(void);

#endif
