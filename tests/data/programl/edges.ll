; An indirect call, and blocks unreachable from the entry: a dead branch to a
; return, and a dead block of one instruction that nothing connects to.
define void @indirect(ptr %f) {
entry:
  call void %f()
  ret void

dead:
  br label %dead.ret

dead.ret:
  ret void

lone:
  unreachable
}
