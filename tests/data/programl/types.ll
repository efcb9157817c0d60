; Aggregate types: a named struct, an array, a vector, and an unused value.
%struct.pair = type { i32, [2 x i8] }

define void @fill(ptr %p, <2 x i32> %v) {
entry:
  %s = load %struct.pair, ptr %p
  %e = extractelement <2 x i32> %v, i32 0
  %unused = add i32 %e, %e
  store %struct.pair %s, ptr %p
  ret void
}
