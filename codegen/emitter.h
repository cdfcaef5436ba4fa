// Emitter: prints the Model as C++, one header and one source file per unit
// (group-version). Output is a pure function of the model: the same model gives
// byte-identical files.
//
// Thread-safety: stateless function; thread-safe.
#ifndef KUBECPP_CODEGEN_EMITTER_H_
#define KUBECPP_CODEGEN_EMITTER_H_

#include <map>
#include <string>

#include "loader.h"
#include "model.h"

namespace kube::codegen {

// Relative path ("core/v1/types.h") -> file content, for every unit with types.
std::map<std::string, std::string> Emit(const Model& model, const Options& options);

}  // namespace kube::codegen

#endif  // KUBECPP_CODEGEN_EMITTER_H_
