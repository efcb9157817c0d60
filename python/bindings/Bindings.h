//===- python/bindings/Bindings.h - What the binding's files share --------===//
//
// _passgym, the extension module under the passgym Python package, wraps the
// C++ library with pybind11. The Python package (python/passgym) builds the
// gymnasium-style API on top of it; this layer only converts: values to
// Python objects, llvm::Errors to passgym.Error, and releases the GIL around
// everything that runs LLVM or a program.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_PYTHON_BINDINGS_H
#define PASSGYM_PYTHON_BINDINGS_H

#include "observations/Observation.h"

#include "llvm/Support/Error.h"

#include <pybind11/pybind11.h>

#include <stdexcept>
#include <utility>

namespace passgym::python {

namespace py = pybind11;

/// A failure of the library, raised in Python as passgym.Error with the
/// library's one-line message.
class Failure : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Throws a Failure carrying \p E's message.
[[noreturn]] void raise(llvm::Error E);

inline void check(llvm::Error E) {
  if (E)
    raise(std::move(E));
}

template <typename T> T unwrap(llvm::Expected<T> Value) {
  if (!Value)
    raise(Value.takeError());
  return std::move(*Value);
}

/// \p O, of a space of kind \p Kind, as a Python value: int, float, str, a
/// numpy array (feature vectors as int64 and binary values as uint8, both
/// without a copy) or, for a program graph, a dict of numpy arrays
/// (docs/python.md, "Observations").
py::object toPython(Observation O, ObservationKind Kind);

/// Action spaces, observation and reward spaces, benchmarks and datasets.
void bindCatalog(py::module_ &M);
/// The environment.
void bindEnvironment(py::module_ &M);

} // namespace passgym::python

#endif
