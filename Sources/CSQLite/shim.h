#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/sysmacros.h>
#endif

#ifdef __linux__
// Declared by <sys/mman.h> only with _GNU_SOURCE, which a module header should not define.
extern void *mremap(void *old_address, size_t old_size, size_t new_size, int flags, ...);
#endif

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
/// A second mapping of the first page of a WAL-index region from ``locmem_wal_index_region``, which the caller owns
/// and unmaps with ``locmem_wal_index_unmap``; `NULL` when none can be made (not Linux, or the region is not a
/// shared mapping of a file: then this returns `NULL` rather than a private copy).
///
/// The same pages of the `-shm` file as SQLite's mapping, so every process's writes show in it; but it stays mapped
/// when SQLite unmaps its own (a journal mode change, the connection's close), so it may be read without holding
/// the connection. Made with `mremap` and an old size of 0, which the kernel allows for shared mappings only; where
/// that fails (Valgrind does not emulate it), by mapping read-only the file that `/proc/self/maps` names for the
/// region, once its device and inode are checked to be that mapping's.
static inline const void *locmem_wal_index_duplicate(const void *region) {
#ifdef __linux__
    long page = sysconf(_SC_PAGESIZE);
    if (region == 0 || page <= 0 || ((uintptr_t)region % (uintptr_t)page) != 0) {
        return 0;
    }
    void *copy = mremap((void *)region, 0, (size_t)page, 1 /* MREMAP_MAYMOVE */);
    if (copy != MAP_FAILED) {
        return (const void *)copy;
    }
    FILE *maps = fopen("/proc/self/maps", "re");
    if (maps == 0) {
        return 0;
    }
    char line[4096 + 128];
    const void *result = 0;
    while (fgets(line, sizeof line, maps) != 0) {
        unsigned long start = 0, end = 0, offset = 0, inode = 0;
        unsigned int major_number = 0, minor_number = 0;
        char permissions[8] = {0};
        int path_start = 0;
        if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &start, &end, permissions, &offset, &major_number,
                   &minor_number, &inode, &path_start) < 7
            || (uintptr_t)region < start || (uintptr_t)region >= end) {
            continue;
        }
        size_t length = strlen(line);
        if (length > 0 && line[length - 1] == '\n') {
            line[length - 1] = 0;
        }
        // SQLite's mapping: shared, at offset 0 of a file, given by its path.
        if (permissions[3] != 's' || offset != 0 || path_start <= 0 || line[path_start] != '/') {
            break;
        }
        int descriptor = open(line + path_start, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (descriptor < 0) {
            break;
        }
        struct stat status;
        if (fstat(descriptor, &status) == 0 && status.st_ino == (ino_t)inode
            && major(status.st_dev) == major_number && minor(status.st_dev) == minor_number) {
            void *mapping = mmap(0, (size_t)page, PROT_READ, MAP_SHARED, descriptor, 0);
            result = mapping == MAP_FAILED ? 0 : (const void *)mapping;
        }
        close(descriptor);
        break;
    }
    fclose(maps);
    return result;
#else
    (void)region;
    return 0;
#endif
}

/// Replaces a mapping from ``locmem_wal_index_duplicate`` in place by a page of zeros, for good: reads through it
/// can no longer fault (a `-shm` file that another process truncates once this connection has left WAL mode would
/// raise SIGBUS), and a header read from it matches no real one. The kernel swaps the page under its mapping lock,
/// so a concurrent reader sees either page.
static inline void locmem_wal_index_retire(const void *copy) {
    long page = sysconf(_SC_PAGESIZE);
    if (copy != 0 && page > 0) {
        mmap((void *)copy, (size_t)page, PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
}

/// Unmaps a mapping from ``locmem_wal_index_duplicate``.
static inline void locmem_wal_index_unmap(const void *copy) {
    long page = sysconf(_SC_PAGESIZE);
    if (copy != 0 && page > 0) {
        munmap((void *)copy, (size_t)page);
    }
}

#endif
