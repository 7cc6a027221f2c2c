// Preloaded by Benchmarks/profile.sh into the program valgrind runs. Valgrind 3.19 (Debian 12)
// rewrites the signal mask given to sigsuspend in place; libdispatch's idle main thread passes a
// mask in read-only memory, so valgrind itself crashes with SIGSEGV. Handing the kernel a copy on
// the stack changes nothing else.
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, _NSIG / 8);
}
