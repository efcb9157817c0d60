/* vm: a bytecode interpreter. A small stack machine (30 opcodes, call
 * frames with locals, word-addressed global memory, 32-bit wrap-around
 * arithmetic) runs programs produced by a tiny in-program assembler with
 * label fix-ups: a sieve of Eratosthenes, Collatz step totals, recursive
 * Fibonacci and a sum of pairwise GCDs computed through calls. Every value
 * the program emits is checked against a native C computation. Prints the
 * emitted values, the number of instructions executed and a checksum.
 * argv[1] = number of repetitions of the program's main loop (default 24). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SCALE 24
#define MAX_SCALE 10000
#define MAXCODE 512
#define MAXLABELS 64
#define MAXFIX 128
#define STACK_SIZE 256
#define MAX_FRAMES 64
#define NLOCALS 8
#define MEM_WORDS (1u << 15)

#define SIEVE_N 12000u
#define COLLATZ_M 300u
#define FIB_K 15u
#define GCD_Q 30u

enum opcode {
    OP_HALT, OP_PUSH, OP_POP, OP_DUP, OP_SWAP, OP_LOAD, OP_STORE, OP_INC,
    OP_GLOAD, OP_GSTORE, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_AND,
    OP_OR, OP_XOR, OP_SHL, OP_SHR, OP_LT, OP_LE, OP_EQ, OP_NOT, OP_JMP,
    OP_JZ, OP_JNZ, OP_CALL, OP_RET, OP_EMIT
};

/* arg: immediate, local index or jump target; nargs: argument count of
 * CALL, and the local index for INC (which adds arg to that local) */
typedef struct {
    uint8_t op, nargs;
    int32_t arg;
} insn;

typedef struct {
    insn code[MAXCODE];
    int n;
    int label_pos[MAXLABELS];
    int fix_at[MAXFIX], fix_label[MAXFIX];
    int nfix;
} assembler;

typedef struct {
    int ret_pc;
    uint32_t locals[NLOCALS];
} frame;

typedef struct {
    uint32_t stack[STACK_SIZE];
    int sp;
    frame frames[MAX_FRAMES];
    int fp;
    uint32_t *mem;
    uint64_t executed;
    uint32_t emitted[64];
    int nemitted;
    uint32_t hash;
    int fault;
} machine;

static long parse_scale(int argc, char **argv, long def, long max) {
    if (argc > 2) {
        fprintf(stderr, "usage: %s [scale]\n", argv[0]);
        exit(2);
    }
    if (argc < 2)
        return def;
    const char *s = argv[1];
    long v = 0;
    if (*s == '\0')
        goto bad;
    for (; *s; ++s) {
        if (*s < '0' || *s > '9')
            goto bad;
        v = v * 10 + (*s - '0');
        if (v > max)
            goto bad;
    }
    if (v <= 0)
        goto bad;
    return v;
bad:
    fprintf(stderr, "%s: scale must be an integer in 1..%ld, got '%s'\n",
            argv[0], max, argv[1]);
    exit(2);
}

/* ---------- assembler ---------- */

static void emit_full(assembler *a, int op, int32_t arg, int nargs) {
    if (a->n >= MAXCODE) {
        fprintf(stderr, "program too long\n");
        exit(1);
    }
    a->code[a->n].op = (uint8_t)op;
    a->code[a->n].arg = arg;
    a->code[a->n].nargs = (uint8_t)nargs;
    a->n++;
}

static void emit(assembler *a, int op, int32_t arg) { emit_full(a, op, arg, 0); }

static void op0(assembler *a, int op) { emit_full(a, op, 0, 0); }

static void label(assembler *a, int id) { a->label_pos[id] = a->n; }

static void jump(assembler *a, int op, int id, int nargs) {
    a->fix_at[a->nfix] = a->n;
    a->fix_label[a->nfix] = id;
    a->nfix++;
    emit_full(a, op, -1, nargs);
}

static int link_program(assembler *a) {
    for (int i = 0; i < a->nfix; ++i) {
        int target = a->label_pos[a->fix_label[i]];
        if (target < 0)
            return 0;
        a->code[a->fix_at[i]].arg = target;
    }
    return 1;
}

enum {
    L_MAIN_LOOP, L_HALT, F_SIEVE, L_CLR, L_MARK, L_I, L_J, L_NEXT_I, L_CNT, L_K, L_SKIP,
    L_SEND, F_COLLATZ, L_S, L_X, L_EVEN, L_STEP, L_XDONE, L_CDONE, F_FIB, L_REC, F_GCDSUM,
    L_GI, L_GJ, L_GINEXT, L_GDONE, F_GCD, L_GLOOP, L_GCDDONE
};

static void call(assembler *a, int fn, int nargs) { jump(a, OP_CALL, fn, nargs); }

static void assemble(assembler *a, uint32_t reps) {
    memset(a, 0, sizeof *a);
    for (int i = 0; i < MAXLABELS; ++i)
        a->label_pos[i] = -1;

    /* main: local 0 = remaining repetitions */
    emit(a, OP_PUSH, (int32_t)reps); emit(a, OP_STORE, 0);
    label(a, L_MAIN_LOOP);
    emit(a, OP_LOAD, 0); jump(a, OP_JZ, L_HALT, 0); emit(a, OP_PUSH, (int32_t)SIEVE_N);
    call(a, F_SIEVE, 1); op0(a, OP_EMIT); emit(a, OP_PUSH, (int32_t)COLLATZ_M);
    call(a, F_COLLATZ, 1); op0(a, OP_EMIT); emit(a, OP_PUSH, (int32_t)FIB_K); call(a, F_FIB, 1);
    op0(a, OP_EMIT); emit(a, OP_PUSH, (int32_t)GCD_Q); call(a, F_GCDSUM, 1); op0(a, OP_EMIT);
    emit_full(a, OP_INC, -1, 0); jump(a, OP_JMP, L_MAIN_LOOP, 0);
    label(a, L_HALT);
    op0(a, OP_HALT);

    /* sieve(n): locals 0=n 1=i 2=j 3=count 4=k; returns the number of primes <= n */
    label(a, F_SIEVE);
    emit(a, OP_PUSH, 0); emit(a, OP_STORE, 4);
    label(a, L_CLR);
    emit(a, OP_LOAD, 4); emit(a, OP_LOAD, 0); op0(a, OP_LE); jump(a, OP_JZ, L_MARK, 0);
    emit(a, OP_PUSH, 0); emit(a, OP_LOAD, 4); op0(a, OP_GSTORE); emit_full(a, OP_INC, 1, 4);
    jump(a, OP_JMP, L_CLR, 0);
    label(a, L_MARK);
    emit(a, OP_PUSH, 2); emit(a, OP_STORE, 1);
    label(a, L_I);
    emit(a, OP_LOAD, 1); op0(a, OP_DUP); op0(a, OP_MUL); emit(a, OP_LOAD, 0); op0(a, OP_LE);
    jump(a, OP_JZ, L_CNT, 0); emit(a, OP_LOAD, 1); op0(a, OP_GLOAD);
    jump(a, OP_JNZ, L_NEXT_I, 0); emit(a, OP_LOAD, 1); op0(a, OP_DUP); op0(a, OP_MUL);
    emit(a, OP_STORE, 2);
    label(a, L_J);
    emit(a, OP_LOAD, 2); emit(a, OP_LOAD, 0); op0(a, OP_LE); jump(a, OP_JZ, L_NEXT_I, 0);
    emit(a, OP_PUSH, 1); emit(a, OP_LOAD, 2); op0(a, OP_GSTORE); emit(a, OP_LOAD, 2);
    emit(a, OP_LOAD, 1); op0(a, OP_ADD); emit(a, OP_STORE, 2); jump(a, OP_JMP, L_J, 0);
    label(a, L_NEXT_I);
    emit_full(a, OP_INC, 1, 1); jump(a, OP_JMP, L_I, 0);
    label(a, L_CNT);
    emit(a, OP_PUSH, 0); emit(a, OP_STORE, 3); emit(a, OP_PUSH, 2); emit(a, OP_STORE, 4);
    label(a, L_K);
    emit(a, OP_LOAD, 4); emit(a, OP_LOAD, 0); op0(a, OP_LE); jump(a, OP_JZ, L_SEND, 0);
    emit(a, OP_LOAD, 4); op0(a, OP_GLOAD); jump(a, OP_JNZ, L_SKIP, 0);
    emit_full(a, OP_INC, 1, 3);
    label(a, L_SKIP);
    emit_full(a, OP_INC, 1, 4); jump(a, OP_JMP, L_K, 0);
    label(a, L_SEND);
    emit(a, OP_LOAD, 3); op0(a, OP_RET);

    /* collatz(m): locals 0=m 1=s 2=x 3=total 4=steps; total steps for 1..m */
    label(a, F_COLLATZ);
    emit(a, OP_PUSH, 0); emit(a, OP_STORE, 3); emit(a, OP_PUSH, 1); emit(a, OP_STORE, 1);
    label(a, L_S);
    emit(a, OP_LOAD, 1); emit(a, OP_LOAD, 0); op0(a, OP_LE); jump(a, OP_JZ, L_CDONE, 0);
    emit(a, OP_LOAD, 1); emit(a, OP_STORE, 2); emit(a, OP_PUSH, 0); emit(a, OP_STORE, 4);
    label(a, L_X);
    emit(a, OP_LOAD, 2); emit(a, OP_PUSH, 1); op0(a, OP_EQ); jump(a, OP_JNZ, L_XDONE, 0);
    emit(a, OP_LOAD, 2); emit(a, OP_PUSH, 1); op0(a, OP_AND); jump(a, OP_JZ, L_EVEN, 0);
    emit(a, OP_LOAD, 2); emit(a, OP_PUSH, 3); op0(a, OP_MUL); emit(a, OP_PUSH, 1);
    op0(a, OP_ADD); emit(a, OP_STORE, 2); jump(a, OP_JMP, L_STEP, 0);
    label(a, L_EVEN);
    emit(a, OP_LOAD, 2); emit(a, OP_PUSH, 1); op0(a, OP_SHR); emit(a, OP_STORE, 2);
    label(a, L_STEP);
    emit_full(a, OP_INC, 1, 4); jump(a, OP_JMP, L_X, 0);
    label(a, L_XDONE);
    emit(a, OP_LOAD, 3); emit(a, OP_LOAD, 4); op0(a, OP_ADD); emit(a, OP_STORE, 3);
    emit_full(a, OP_INC, 1, 1); jump(a, OP_JMP, L_S, 0);
    label(a, L_CDONE);
    emit(a, OP_LOAD, 3); op0(a, OP_RET);

    /* fib(k): naive recursion */
    label(a, F_FIB);
    emit(a, OP_LOAD, 0); emit(a, OP_PUSH, 2); op0(a, OP_LT); jump(a, OP_JZ, L_REC, 0);
    emit(a, OP_LOAD, 0); op0(a, OP_RET);
    label(a, L_REC);
    emit(a, OP_LOAD, 0); emit(a, OP_PUSH, 1); op0(a, OP_SUB); call(a, F_FIB, 1);
    emit(a, OP_LOAD, 0); emit(a, OP_PUSH, 2); op0(a, OP_SUB); call(a, F_FIB, 1); op0(a, OP_ADD);
    op0(a, OP_RET);

    /* gcdsum(q): locals 0=q 1=i 2=j 3=sum; sum of gcd(i, j) for i, j in 1..q */
    label(a, F_GCDSUM);
    emit(a, OP_PUSH, 0); emit(a, OP_STORE, 3); emit(a, OP_PUSH, 1); emit(a, OP_STORE, 1);
    label(a, L_GI);
    emit(a, OP_LOAD, 1); emit(a, OP_LOAD, 0); op0(a, OP_LE); jump(a, OP_JZ, L_GDONE, 0);
    emit(a, OP_PUSH, 1); emit(a, OP_STORE, 2);
    label(a, L_GJ);
    emit(a, OP_LOAD, 2); emit(a, OP_LOAD, 0); op0(a, OP_LE); jump(a, OP_JZ, L_GINEXT, 0);
    emit(a, OP_LOAD, 3); emit(a, OP_LOAD, 1); emit(a, OP_LOAD, 2); call(a, F_GCD, 2);
    op0(a, OP_ADD); emit(a, OP_STORE, 3); emit_full(a, OP_INC, 1, 2); jump(a, OP_JMP, L_GJ, 0);
    label(a, L_GINEXT);
    emit_full(a, OP_INC, 1, 1); jump(a, OP_JMP, L_GI, 0);
    label(a, L_GDONE);
    emit(a, OP_LOAD, 3); op0(a, OP_RET);

    /* gcd(a, b): Euclid with MOD; locals 0=a 1=b */
    label(a, F_GCD);
    label(a, L_GLOOP);
    emit(a, OP_LOAD, 1); jump(a, OP_JZ, L_GCDDONE, 0); emit(a, OP_LOAD, 0); emit(a, OP_LOAD, 1);
    op0(a, OP_MOD); emit(a, OP_LOAD, 1); emit(a, OP_STORE, 0); emit(a, OP_STORE, 1);
    jump(a, OP_JMP, L_GLOOP, 0);
    label(a, L_GCDDONE);
    emit(a, OP_LOAD, 0); op0(a, OP_RET);
}

/* ---------- interpreter ---------- */

static void push(machine *m, uint32_t v) {
    if (m->sp >= STACK_SIZE) {
        m->fault = 1;
        return;
    }
    m->stack[m->sp++] = v;
}

static uint32_t pop(machine *m) {
    if (m->sp <= 0) {
        m->fault = 1;
        return 0;
    }
    return m->stack[--m->sp];
}

static uint32_t binary_op(int op, uint32_t a, uint32_t b) {
    switch (op) {
    case OP_ADD: return a + b;
    case OP_SUB: return a - b;
    case OP_MUL: return a * b;
    case OP_DIV: return b ? a / b : 0;
    case OP_MOD: return b ? a % b : 0;
    case OP_AND: return a & b;
    case OP_OR: return a | b;
    case OP_XOR: return a ^ b;
    case OP_SHL: return a << (b & 31u);
    case OP_SHR: return a >> (b & 31u);
    case OP_LT: return a < b;
    case OP_LE: return a <= b;
    case OP_EQ: return a == b;
    default: return 0;
    }
}

static int run(machine *m, const insn *code, int ncode) {
    int pc = 0;
    m->sp = 0;
    m->fp = 0;
    memset(&m->frames[0], 0, sizeof m->frames[0]);
    while (!m->fault) {
        if (pc < 0 || pc >= ncode) {
            m->fault = 1;
            break;
        }
        const insn *in = &code[pc++];
        frame *f = &m->frames[m->fp];
        m->executed++;
        switch (in->op) {
        case OP_HALT:
            return 1;
        case OP_PUSH:
            push(m, (uint32_t)in->arg);
            break;
        case OP_POP:
            (void)pop(m);
            break;
        case OP_DUP: {
            uint32_t v = pop(m);
            push(m, v);
            push(m, v);
            break;
        }
        case OP_SWAP: {
            uint32_t b = pop(m), a = pop(m);
            push(m, b);
            push(m, a);
            break;
        }
        case OP_LOAD:
            push(m, f->locals[in->arg & (NLOCALS - 1)]);
            break;
        case OP_STORE:
            f->locals[in->arg & (NLOCALS - 1)] = pop(m);
            break;
        case OP_INC:
            f->locals[in->nargs & (NLOCALS - 1)] += (uint32_t)in->arg;
            break;
        case OP_GLOAD:
            push(m, m->mem[pop(m) & (MEM_WORDS - 1)]);
            break;
        case OP_GSTORE: {
            uint32_t addr = pop(m), v = pop(m);
            m->mem[addr & (MEM_WORDS - 1)] = v;
            break;
        }
        case OP_NOT:
            push(m, !pop(m));
            break;
        case OP_JMP:
            pc = in->arg;
            break;
        case OP_JZ:
            if (pop(m) == 0)
                pc = in->arg;
            break;
        case OP_JNZ:
            if (pop(m) != 0)
                pc = in->arg;
            break;
        case OP_CALL: {
            if (m->fp + 1 >= MAX_FRAMES || in->nargs > NLOCALS) {
                m->fault = 1;
                break;
            }
            frame *nf = &m->frames[m->fp + 1];
            memset(nf->locals, 0, sizeof nf->locals);
            for (int i = in->nargs - 1; i >= 0; --i)
                nf->locals[i] = pop(m);
            nf->ret_pc = pc;
            m->fp++;
            pc = in->arg;
            break;
        }
        case OP_RET:
            if (m->fp == 0) {
                m->fault = 1;
                break;
            }
            pc = f->ret_pc;
            m->fp--;
            break;
        case OP_EMIT: {
            uint32_t v = pop(m);
            if (m->nemitted < 64)
                m->emitted[m->nemitted++] = v;
            m->hash = (m->hash ^ v) * 0x01000193u;
            break;
        }
        default: {
            uint32_t b = pop(m), a = pop(m);
            push(m, binary_op(in->op, a, b));
            break;
        }
        }
    }
    return 0;
}

/* ---------- native reference ---------- */

static uint32_t native_sieve(uint32_t n) {
    uint8_t *comp = calloc(n + 1, 1);
    if (!comp)
        return 0;
    uint32_t count = 0;
    for (uint32_t i = 2; i * i <= n; ++i)
        if (!comp[i])
            for (uint32_t j = i * i; j <= n; j += i)
                comp[j] = 1;
    for (uint32_t k = 2; k <= n; ++k)
        count += !comp[k];
    free(comp);
    return count;
}

static uint32_t native_collatz(uint32_t m) {
    uint32_t total = 0;
    for (uint32_t s = 1; s <= m; ++s)
        for (uint32_t x = s; x != 1; x = (x & 1u) ? 3u * x + 1u : x >> 1)
            ++total;
    return total;
}

static uint32_t native_fib(uint32_t k) { return k < 2 ? k : native_fib(k - 1) + native_fib(k - 2); }

static uint32_t native_gcd(uint32_t a, uint32_t b) {
    while (b) {
        uint32_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static uint32_t native_gcdsum(uint32_t q) {
    uint32_t sum = 0;
    for (uint32_t i = 1; i <= q; ++i)
        for (uint32_t j = 1; j <= q; ++j)
            sum += native_gcd(i, j);
    return sum;
}

int main(int argc, char **argv) {
    long reps = parse_scale(argc, argv, DEFAULT_SCALE, MAX_SCALE);
    assembler *as = malloc(sizeof *as);
    machine *m = calloc(1, sizeof *m);
    if (!as || !m || !(m->mem = calloc(MEM_WORDS, sizeof *m->mem))) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    assemble(as, (uint32_t)reps);
    if (!link_program(as)) {
        fprintf(stderr, "unresolved label\n");
        return 1;
    }
    m->hash = 0x811C9DC5u;
    int halted = run(m, as->code, as->n);
    uint32_t expect[4] = {native_sieve(SIEVE_N), native_collatz(COLLATZ_M),
                          native_fib(FIB_K), native_gcdsum(GCD_Q)};
    int ok = halted && !m->fault && m->nemitted == (int)(reps < 16 ? reps * 4 : 64);
    for (int i = 0; i < m->nemitted; ++i)
        if (m->emitted[i] != expect[i % 4])
            ok = 0;
    printf("program: %d instructions\n", as->n);
    printf("results: primes %u, collatz steps %u, fib %u, gcd sum %u\n", m->emitted[0],
           m->emitted[1], m->emitted[2], m->emitted[3]);
    printf("executed: %llu instructions\n", (unsigned long long)m->executed);
    printf("matches native: %s\n", ok ? "yes" : "NO");
    printf("checksum: 0x%08x\n", m->hash ^ (uint32_t)m->executed);
    free(m->mem);
    free(m);
    free(as);
    return ok ? 0 : 1;
}
