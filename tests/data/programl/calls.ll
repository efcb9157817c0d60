; A global, an external declaration, an internal callee and its caller.
@g = global i32 5

declare i32 @ext(i32)

define internal i32 @callee(i32 %x) {
entry:
  %y = add i32 %x, 1
  ret i32 %y
}

define i32 @caller() {
entry:
  %v = load i32, ptr @g
  %r = call i32 @callee(i32 %v)
  %s = call i32 @ext(i32 %r)
  store i32 %s, ptr @g
  ret i32 1
}
