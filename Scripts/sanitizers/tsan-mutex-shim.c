// Makes Synchronization.Mutex visible to ThreadSanitizer on Linux. LD_PRELOADed by Scripts/sanitizers.sh thread.
//
// Mutex's lock and unlock fast paths are atomics inlined into the caller, which TSan instruments. When the mutex is
// contended, they call _MutexHandle._lockSlow/_unlockSlow in libswiftSynchronization.so, where the kernel hands the
// lock over (a priority-inheritance futex): TSan sees neither, so it misses the release -> acquire edge and reports
// races on data that is only touched under the lock (Scripts/sanitizers/mutex-false-positive.swift shows it).
//
// This library interposes those three functions (the calls go through the PLT), forwards to the real ones, and
// tells TSan what happened: a release on the mutex's address before a slow unlock, an acquire after a slow lock.
// The fast paths' atomics use the same address, so TSan then sees every hand-over of the lock.
//
// Swift's calling convention: `self` (the address of the _MutexHandle, whose first field is the lock word) comes in
// the swiftself register, which clang spells `swift_context` in a `swiftcall` function.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SWIFTCALL __attribute__((swiftcall))
#define SWIFT_SELF __attribute__((swift_context))

// Weak: LD_PRELOAD also reaches processes built without TSan (`swift test` itself); there they are NULL and the
// shim only forwards.
__attribute__((weak)) void __tsan_acquire(void *address);
__attribute__((weak)) void __tsan_release(void *address);

typedef SWIFTCALL void (*LockSlow)(uint32_t selfID, void *SWIFT_SELF handle);
typedef SWIFTCALL bool (*TryLockSlow)(void *SWIFT_SELF handle);
typedef SWIFTCALL void (*UnlockSlow)(void *SWIFT_SELF handle);

#define LOCK_SLOW "$s15Synchronization12_MutexHandleV9_lockSlowyys6UInt32VF"
#define TRY_LOCK_SLOW "$s15Synchronization12_MutexHandleV12_tryLockSlowSbyF"
#define UNLOCK_SLOW "$s15Synchronization12_MutexHandleV11_unlockSlowyyF"

static void *real(const char *name) {
    void *function = dlsym(RTLD_NEXT, name);
    if (function == NULL) {
        fprintf(stderr, "tsan-mutex-shim: %s not found\n", name);
        abort();
    }
    return function;
}

SWIFTCALL void shim_lockSlow(uint32_t selfID, void *SWIFT_SELF handle) __asm__(LOCK_SLOW);
SWIFTCALL void shim_lockSlow(uint32_t selfID, void *SWIFT_SELF handle) {
    static LockSlow lockSlow;
    if (lockSlow == NULL) lockSlow = (LockSlow)real(LOCK_SLOW);
    lockSlow(selfID, handle);
    if (__tsan_acquire) __tsan_acquire(handle);
}

SWIFTCALL bool shim_tryLockSlow(void *SWIFT_SELF handle) __asm__(TRY_LOCK_SLOW);
SWIFTCALL bool shim_tryLockSlow(void *SWIFT_SELF handle) {
    static TryLockSlow tryLockSlow;
    if (tryLockSlow == NULL) tryLockSlow = (TryLockSlow)real(TRY_LOCK_SLOW);
    bool locked = tryLockSlow(handle);
    if (locked && __tsan_acquire) __tsan_acquire(handle);
    return locked;
}

SWIFTCALL void shim_unlockSlow(void *SWIFT_SELF handle) __asm__(UNLOCK_SLOW);
SWIFTCALL void shim_unlockSlow(void *SWIFT_SELF handle) {
    static UnlockSlow unlockSlow;
    if (unlockSlow == NULL) unlockSlow = (UnlockSlow)real(UNLOCK_SLOW);
    if (__tsan_release) __tsan_release(handle);
    unlockSlow(handle);
}
