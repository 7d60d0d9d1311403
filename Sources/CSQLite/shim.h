#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H
#include <sqlite3.h>
#include <stdint.h>

/// The first 32 KiB region of the WAL-index (the `-shm` file that every connection to a WAL database maps) of the
/// connection's main database, mapped; `NULL` when the VFS has no shared memory for it.
///
/// The region stays mapped until SQLite calls `xShmUnmap` for this file, which it does only when the connection
/// closes its WAL: when the connection closes, or when it leaves WAL mode (`PRAGMA journal_mode`). The caller
/// may keep the pointer until then.
///
/// Only call it on a connection in WAL mode whose WAL is open (after its first read); the caller holds the
/// connection.
static inline const void *locmem_wal_index_region(sqlite3 *db) {
    sqlite3_file *file = 0;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || file == 0
        || file->pMethods == 0 || file->pMethods->iVersion < 2 || file->pMethods->xShmMap == 0) {
        return 0;
    }
    void volatile *region = 0;
    if (file->pMethods->xShmMap(file, 0, 32768, 0, &region) != SQLITE_OK || region == 0) {
        return 0;
    }
    return (const void *)region;
}

/// Copies the first 48 bytes of a WAL-index region from ``locmem_wal_index_region`` (the first copy of its
/// header) into `out`.
///
/// A writer of any process updates this header (its change counter, its frame count, its salts) as part of every
/// commit, before the commit returns, so a header equal to an earlier copy means that no transaction has
/// committed since that copy was taken. SQLite's own readers read it the same way: without a lock, between
/// memory barriers (see wal.c, walIndexTryHdr). The reads are exempt from ThreadSanitizer, which cannot know
/// that a racing write only makes the copy differ, which sends the caller to the full check.
__attribute__((no_sanitize("thread")))
static inline void locmem_wal_index_header(const void *region, uint64_t out[6]) {
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    const volatile uint64_t *header = (const volatile uint64_t *)region;
    for (int i = 0; i < 6; i++) {
        out[i] = header[i];
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
}
#endif
