//===- actions/CompilerGymActions.cpp - CompilerGym's llvm-v0 actions -----===//
//
// CompilerGym's 124 llvm-v0 actions (LLVM 10 legacy pass flags) as LLVM 19
// `opt -passes=` texts, in CompilerGym's order. Each text carries its own
// adaptor so any sequence of them joins with commas into one pipeline. The 7
// passes without an LLVM 19 successor are dropped, leaving 117; the mapping and
// its reasons are in docs/actions.md.
//
//===----------------------------------------------------------------------===//

#include "actions/ActionSpace.h"

namespace passgym {

const std::vector<Action> &compilerGymActions() {
  static const std::vector<Action> Actions = {
      {"add-discriminators", "function(add-discriminators)"},
      {"adce", "function(adce)"},
      {"aggressive-instcombine", "function(aggressive-instcombine)"},
      {"alignment-from-assumptions", "function(alignment-from-assumptions)"},
      {"always-inline", "always-inline"},
      {"argpromotion", "cgscc(argpromotion)"},
      {"attributor", "attributor"},
      // barrier: dropped (a legacy pass-manager barrier; transforms nothing).
      {"bdce", "function(bdce)"},
      {"break-crit-edges", "function(break-crit-edges)"},
      {"simplifycfg", "function(simplifycfg)"},
      {"callsite-splitting", "function(callsite-splitting)"},
      {"called-value-propagation", "called-value-propagation"},
      {"canonicalize-aliases", "canonicalize-aliases"},
      {"consthoist", "function(consthoist)"},
      {"constmerge", "constmerge"},
      // constprop: dropped (gone; instsimplify and sccp do its work).
      {"coro-cleanup", "coro-cleanup"},
      {"coro-early", "coro-early"},
      {"coro-elide", "function(coro-elide)"},
      {"coro-split", "cgscc(coro-split)"},
      {"correlated-propagation", "function(correlated-propagation)"},
      {"cross-dso-cfi", "cross-dso-cfi"},
      {"deadargelim", "deadargelim"},
      {"dce", "function(dce)"},
      // die: dropped (gone; dce does its work).
      {"dse", "function(dse)"},
      {"reg2mem", "function(reg2mem)"},
      {"div-rem-pairs", "function(div-rem-pairs)"},
      {"early-cse-memssa", "function(early-cse<memssa>)"},
      {"early-cse", "function(early-cse)"},
      {"elim-avail-extern", "elim-avail-extern"},
      {"ee-instrument", "function(ee-instrument)"},
      {"flattencfg", "function(flatten-cfg)"},
      {"float2int", "function(float2int)"},
      {"forceattrs", "forceattrs"},
      {"inline", "cgscc(inline)"},
      {"insert-gcov-profiling", "insert-gcov-profiling"},
      {"gvn-hoist", "function(gvn-hoist)"},
      {"gvn", "function(gvn)"},
      {"globaldce", "globaldce"},
      {"globalopt", "globalopt"},
      {"globalsplit", "globalsplit"},
      {"guard-widening", "function(guard-widening)"},
      {"hotcoldsplit", "hotcoldsplit"},
      // ipconstprop: dropped (gone; ipsccp does its work).
      {"ipsccp", "ipsccp"},
      {"indvars", "function(loop(indvars))"},
      {"irce", "function(irce)"},
      {"infer-address-spaces", "function(infer-address-spaces)"},
      {"inferattrs", "inferattrs"},
      {"inject-tli-mappings", "function(inject-tli-mappings)"},
      {"instsimplify", "function(instsimplify)"},
      // Bare `instcombine` turns on fixpoint verification, which can abort.
      {"instcombine", "function(instcombine<no-verify-fixpoint>)"},
      {"instnamer", "function(instnamer)"},
      {"jump-threading", "function(jump-threading)"},
      {"lcssa", "function(lcssa)"},
      {"licm", "function(loop-mssa(licm))"},
      {"libcalls-shrinkwrap", "function(libcalls-shrinkwrap)"},
      {"load-store-vectorizer", "function(load-store-vectorizer)"},
      {"loop-data-prefetch", "function(loop-data-prefetch)"},
      {"loop-deletion", "function(loop(loop-deletion))"},
      {"loop-distribute", "function(loop-distribute)"},
      {"loop-fusion", "function(loop-fusion)"},
      // loop-guard-widening: dropped (gone; guard-widening does its work).
      {"loop-idiom", "function(loop(loop-idiom))"},
      {"loop-instsimplify", "function(loop-mssa(loop-instsimplify))"},
      {"loop-interchange", "function(loop(loop-interchange))"},
      {"loop-load-elim", "function(loop-load-elim)"},
      {"loop-predication", "function(loop(loop-predication))"},
      // loop-reroll: dropped (removed in LLVM 19, no successor).
      {"loop-rotate", "function(loop-mssa(loop-rotate))"},
      {"loop-simplifycfg", "function(loop-mssa(loop-simplifycfg))"},
      {"loop-simplify", "function(loop-simplify)"},
      {"loop-sink", "function(loop-sink)"},
      {"loop-reduce", "function(loop(loop-reduce))"},
      {"loop-unroll-and-jam", "function(loop(loop-unroll-and-jam))"},
      {"loop-unroll", "function(loop-unroll)"},
      // The legacy loop-unswitch also unswitched non-trivial conditions.
      {"loop-unswitch",
       "function(loop-mssa(simple-loop-unswitch<nontrivial>))"},
      {"loop-vectorize", "function(loop-vectorize)"},
      {"loop-versioning-licm", "function(loop(loop-versioning-licm))"},
      {"loop-versioning", "function(loop-versioning)"},
      {"loweratomic", "function(lower-atomic)"},
      {"lower-constant-intrinsics", "function(lower-constant-intrinsics)"},
      {"lower-expect", "function(lower-expect)"},
      {"lower-guard-intrinsic", "function(lower-guard-intrinsic)"},
      {"lowerinvoke", "function(lower-invoke)"},
      {"lower-matrix-intrinsics", "function(lower-matrix-intrinsics)"},
      {"lowerswitch", "function(lower-switch)"},
      {"lower-widenable-condition", "function(lower-widenable-condition)"},
      {"memcpyopt", "function(memcpyopt)"},
      {"mergefunc", "mergefunc"},
      {"mergeicmps", "function(mergeicmps)"},
      {"mldst-motion", "function(mldst-motion)"},
      {"sancov", "sancov-module"},
      {"name-anon-globals", "name-anon-globals"},
      {"nary-reassociate", "function(nary-reassociate)"},
      {"newgvn", "function(newgvn)"},
      {"pgo-memop-opt", "function(pgo-memop-opt)"},
      {"partial-inliner", "partial-inliner"},
      {"partially-inline-libcalls", "function(partially-inline-libcalls)"},
      {"post-inline-ee-instrument", "function(ee-instrument<post-inline>)"},
      {"functionattrs", "cgscc(function-attrs)"},
      {"mem2reg", "function(mem2reg)"},
      // prune-eh: dropped (gone; functionattrs does its work).
      {"reassociate", "function(reassociate)"},
      {"redundant-dbg-inst-elim", "function(redundant-dbg-inst-elim)"},
      {"rpo-functionattrs", "rpo-function-attrs"},
      {"rewrite-statepoints-for-gc", "rewrite-statepoints-for-gc"},
      {"sccp", "function(sccp)"},
      {"slp-vectorizer", "function(slp-vectorizer)"},
      {"sroa", "function(sroa)"},
      {"scalarizer", "function(scalarizer)"},
      {"separate-const-offset-from-gep",
       "function(separate-const-offset-from-gep)"},
      {"simple-loop-unswitch", "function(loop-mssa(simple-loop-unswitch))"},
      {"sink", "function(sink)"},
      {"speculative-execution", "function(speculative-execution)"},
      {"slsr", "function(slsr)"},
      {"strip-dead-prototypes", "strip-dead-prototypes"},
      {"strip-debug-declare", "strip-debug-declare"},
      {"strip-nondebug", "strip-nondebug"},
      {"strip", "strip"},
      {"tailcallelim", "function(tailcallelim)"},
      {"mergereturn", "function(mergereturn)"},
  };
  return Actions;
}

} // namespace passgym
