package builder

import "syscall"

const unmountDetach = syscall.MNT_DETACH
