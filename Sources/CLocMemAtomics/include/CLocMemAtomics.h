#ifndef CLOCMEMATOMICS_H
#define CLOCMEMATOMICS_H

// Atomic loads and stores on plain memory that LocMem's Swift code lays out itself (the shards'
// read-bias flags, the entries' recency stamps, the per-thread records), as C11 atomics through the
// compiler's __atomic builtins: Swift's Synchronization offers atomics only as values of their own
// type, not on a field of a record in a slab. Every function is `static inline`, so Swift inlines
// them into the hot path; ThreadSanitizer sees them as the atomic operations they are.

#include <stdint.h>

static inline uint64_t locmem_load_relaxed_u64(const uint64_t *address) {
    return __atomic_load_n(address, __ATOMIC_RELAXED);
}

static inline void locmem_store_relaxed_u64(uint64_t *address, uint64_t value) {
    __atomic_store_n(address, value, __ATOMIC_RELAXED);
}

static inline uint64_t locmem_load_acquire_u64(const uint64_t *address) {
    return __atomic_load_n(address, __ATOMIC_ACQUIRE);
}

static inline void locmem_store_release_u64(uint64_t *address, uint64_t value) {
    __atomic_store_n(address, value, __ATOMIC_RELEASE);
}

static inline uint64_t locmem_load_seq_cst_u64(const uint64_t *address) {
    return __atomic_load_n(address, __ATOMIC_SEQ_CST);
}

static inline void locmem_store_seq_cst_u64(uint64_t *address, uint64_t value) {
    __atomic_store_n(address, value, __ATOMIC_SEQ_CST);
}

/// Stores `desired` if the word holds `*expected`; else loads what it holds into `*expected`.
static inline _Bool locmem_compare_exchange_relaxed_u64(uint64_t *address, uint64_t *expected, uint64_t desired) {
    return __atomic_compare_exchange_n(address, expected, desired, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

#endif
