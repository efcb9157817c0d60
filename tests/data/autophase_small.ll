; Hand-written module for src/observations/tests/FeaturesTest.cpp. Every
; Autophase value that test expects was counted by hand from this text, so
; change the two together.
;
; Four functions: one declaration and three definitions with 3 + 5 + 4 blocks.
source_filename = "autophase_small.ll"

declare i32 @ext(i32)

; A loop: entry -> body (which branches to itself) -> exit. All four edges are
; critical: entry and body have two successors, body and exit two predecessors.
define i32 @sum(ptr %p, i32 %n) {
entry:
  %nonempty = icmp sgt i32 %n, 0
  br i1 %nonempty, label %body, label %exit

body:
  %i = phi i64 [ 0, %entry ], [ %i.next, %body ]
  %acc = phi i32 [ 1, %entry ], [ %acc.next, %body ]
  %addr = getelementptr inbounds i32, ptr %p, i64 %i
  %v = load i32, ptr %addr, align 4
  %acc.next = add nsw i32 %acc, %v
  %i.next = add nuw i64 %i, 1
  %i.trunc = trunc i64 %i.next to i32
  %done = icmp eq i32 %i.trunc, %n
  br i1 %done, label %exit, label %body

exit:
  %res = phi i32 [ 0, %entry ], [ %acc.next, %body ]
  ret i32 %res
}

; A switch whose four successors all meet in %join, which has four phis with
; sixteen incoming values in total.
define i64 @dispatch(i32 %k, i64 %x) {
entry:
  %buf = alloca [4 x i32], align 16
  %slot = alloca i64, align 8
  store i64 %x, ptr %slot, align 8
  switch i32 %k, label %default [
    i32 0, label %case0
    i32 1, label %case1
    i32 7, label %join
  ]

case0:
  %a0 = mul i64 %x, 3
  br label %join

case1:
  %elt = getelementptr inbounds [4 x i32], ptr %buf, i64 0, i64 1
  store i32 %k, ptr %elt, align 4
  %ld = load i32, ptr %elt, align 4
  %call = call i32 @ext(i32 %ld)
  %s = sext i32 %call to i64
  br label %join

default:
  %sh = shl i64 %x, 2
  br label %join

join:
  %p1 = phi i64 [ %x, %entry ], [ %a0, %case0 ], [ %s, %case1 ], [ %sh, %default ]
  %p2 = phi i32 [ 0, %entry ], [ 1, %case0 ], [ %ld, %case1 ], [ 2, %default ]
  %p3 = phi i64 [ 0, %entry ], [ 0, %case0 ], [ 1, %case1 ], [ %x, %default ]
  %p4 = phi i1 [ true, %entry ], [ false, %case0 ], [ false, %case1 ], [ true, %default ]
  %saved = load i64, ptr %slot, align 8
  %w = zext i32 %p2 to i64
  %r1 = add i64 %p1, %w
  %r2 = add i64 %r1, %p3
  %r3 = add i64 %r2, %saved
  %r = select i1 %p4, i64 %r3, i64 -1
  ret i64 %r
}

; entry branches to %then and %else; %then branches to %merge and %else; %else
; falls through to %merge, a block of 17 instructions.
define i32 @misc(i32 %a, i32 %b, float %f) {
entry:
  %lt = icmp ult i32 %a, %b
  br i1 %lt, label %then, label %else

then:
  %t1 = xor i32 %a, -1
  %t2 = and i32 %t1, 255
  %big = icmp ugt i32 %t2, 100
  br i1 %big, label %merge, label %else

else:
  %e0 = phi i32 [ %b, %entry ], [ %t2, %then ]
  %e1 = lshr i32 %e0, 1
  %e2 = ashr i32 %a, %e1
  br label %merge

merge:
  %m = phi i32 [ %t2, %then ], [ %e2, %else ]
  %z = zext i1 %lt to i32
  %o = or i32 %m, %z
  %sel = select i1 %lt, i32 %o, i32 0
  %neg = fneg float %f
  %fp = fadd float %neg, 1.000000e+00
  %bits = bitcast float %fp to i32
  %d = sub i32 %sel, %bits
  %q = udiv i32 %d, 3
  %sh = shl i32 %q, 1
  %wide = sext i32 %sh to i64
  %mask = and i64 %wide, 4294967295
  %narrow = trunc i64 %mask to i32
  %prod = mul i32 %narrow, %a
  %fz = freeze i32 %prod
  %r = call i32 @ext(i32 %fz)
  ret i32 %r
}
