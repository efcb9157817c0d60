//===- python/bindings/Module.cpp - The _passgym extension module ---------===//
#include "Bindings.h"

namespace passgym::python {

void raise(llvm::Error E) { throw Failure(llvm::toString(std::move(E))); }

} // namespace passgym::python

PYBIND11_MODULE(_passgym, M) {
  namespace py = pybind11;
  using namespace passgym::python;
  M.doc() = "The C++ library under the passgym package; use passgym instead.";
  // RuntimeError's subclass, so that code catching RuntimeError keeps working.
  py::register_exception<Failure>(M, "Error", PyExc_RuntimeError);
  bindCatalog(M);
  bindEnvironment(M);
}
