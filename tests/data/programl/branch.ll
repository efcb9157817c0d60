; A conditional branch, a join block with a phi, and no constants.
define i32 @max(i32 %a, i32 %b) {
entry:
  %cmp = icmp sgt i32 %a, %b
  br i1 %cmp, label %then, label %end

then:
  br label %end

end:
  %r = phi i32 [ %a, %then ], [ %b, %entry ]
  ret i32 %r
}
