package secret

import "golang.org/x/sys/unix"

// lowerThreadPriority sets the calling OS thread's nice value to 19. On
// Linux, setpriority with a thread id affects only that thread.
func lowerThreadPriority() {
	_ = unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), 19)
}
