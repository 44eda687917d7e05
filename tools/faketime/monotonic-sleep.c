/*
 * Preloaded before libfaketime when the test suite runs with the clock moved.
 *
 * With FAKETIME_DONT_FAKE_MONOTONIC=1 (needed, or Python's timed waits hang),
 * libfaketime 0.9.10 still shifts the absolute deadline of
 * clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, ...), which Python 3.11's
 * time.sleep() uses, and the kernel answers EINVAL (libfaketime issue #426).
 * The monotonic clock is not faked, so a sleep on it goes straight to the
 * kernel; every other clock is left to libfaketime.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef int (*clock_nanosleep_fn)(clockid_t, int, const struct timespec *, struct timespec *);

int clock_nanosleep(clockid_t clock_id, int flags, const struct timespec *request,
                    struct timespec *remain)
{
    static clock_nanosleep_fn next;

    if (clock_id == CLOCK_MONOTONIC || clock_id == CLOCK_BOOTTIME) {
        /* clock_nanosleep returns the error number instead of setting errno. */
        return syscall(SYS_clock_nanosleep, clock_id, flags, request, remain) == 0 ? 0 : errno;
    }
    if (next == NULL) {
        next = (clock_nanosleep_fn)dlsym(RTLD_NEXT, "clock_nanosleep");
    }
    return next(clock_id, flags, request, remain);
}
