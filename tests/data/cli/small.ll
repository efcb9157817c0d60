; Hand-written, -O0-style module for src/cli/tests/CliTest.cpp: locals live in
; allocas, so sroa, mem2reg and instcombine have work to do.
source_filename = "small.c"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

define i32 @square(i32 %x) {
entry:
  %x.addr = alloca i32, align 4
  %y = alloca i32, align 4
  store i32 %x, ptr %x.addr, align 4
  %a = load i32, ptr %x.addr, align 4
  %b = load i32, ptr %x.addr, align 4
  %m = mul nsw i32 %a, %b
  store i32 %m, ptr %y, align 4
  %r = load i32, ptr %y, align 4
  ret i32 %r
}

define i32 @sum(ptr %p, i32 %n) {
entry:
  %p.addr = alloca ptr, align 8
  %n.addr = alloca i32, align 4
  %s = alloca i32, align 4
  %i = alloca i32, align 4
  store ptr %p, ptr %p.addr, align 8
  store i32 %n, ptr %n.addr, align 4
  store i32 0, ptr %s, align 4
  store i32 0, ptr %i, align 4
  br label %cond

cond:
  %iv = load i32, ptr %i, align 4
  %nv = load i32, ptr %n.addr, align 4
  %lt = icmp slt i32 %iv, %nv
  br i1 %lt, label %body, label %exit

body:
  %base = load ptr, ptr %p.addr, align 8
  %iv2 = load i32, ptr %i, align 4
  %idx = sext i32 %iv2 to i64
  %addr = getelementptr inbounds i32, ptr %base, i64 %idx
  %v = load i32, ptr %addr, align 4
  %sq = call i32 @square(i32 %v)
  %sv = load i32, ptr %s, align 4
  %add = add nsw i32 %sv, %sq
  store i32 %add, ptr %s, align 4
  %iv3 = load i32, ptr %i, align 4
  %inc = add nsw i32 %iv3, 1
  store i32 %inc, ptr %i, align 4
  br label %cond

exit:
  %res = load i32, ptr %s, align 4
  ret i32 %res
}
