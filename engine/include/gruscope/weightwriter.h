// Writing one GRU layer's weights in the layouts GruScope reads: Keras 3 .weights.h5 and .keras,
// tf.keras / tf_keras legacy .h5, a Keras-layout .npz and a PyTorch nn.GRU .safetensors. The Keras
// formats hold a one-layer model, Sequential([Input((None, I)), GRU(...)]), so that real Keras
// loads them (checked with Keras 3.15.1 and tf_keras 2.21.0 by tools/keras_roundtrip.py).
#pragma once

#include "gruscope/config.h"
#include "gruscope/weights.h"

#include <optional>
#include <string>

namespace gruscope {

enum class WriteFormat {
    Keras3WeightsH5,  // Keras 3 model.save_weights("x.weights.h5"); load with model.load_weights
    Keras3Archive,    // Keras 3 model.save("x.keras"); load with keras.saving.load_model
    LegacyH5,         // tf_keras (TF2 Keras 2.x) model.save("x.h5"); load with tf_keras.models.load_model
    Npz,              // numpy.savez(kernel=, recurrent_kernel=, bias=) in Keras layout
    TorchSafetensors, // PyTorch nn.GRU state dict (weight_ih_l0, ...) as .safetensors
};

// By the file name's ending (case-insensitive): .weights.h5, .keras, .h5 / .hdf5, .npz,
// .safetensors. nullopt for anything else.
std::optional<WriteFormat> writeFormatFromPath(const std::string& path);

const char* writeFormatName(WriteFormat format) noexcept;

// Writes one GRU layer as a one-layer model (Keras formats: a Sequential with an input of shape
// (None, I) and the GRU) so that real Keras loads it. Atomic: the file appears complete under
// `path` or not at all, and a failed write never harms an existing file.
//
// The config is written in the dialect of the Keras that reads the format (Keras 3 for
// .weights.h5/.keras, tf.keras for .h5); what that Keras cannot represent is refused with
// Error(Unsupported) rather than written differently: hard_sigmoid across flavors (the two Keras
// define it differently), time_major in a Keras 3 file, Keras-3-only activations in a tf.keras
// file, stateful or return_state layers in a file that holds a model (its Sequential has no fixed
// batch size and one output), unroll=True in a tf.keras .h5 (tf.keras unrolls only a fixed number
// of steps), and, for .safetensors, anything PyTorch's nn.GRU cannot compute
// (reset_after=False, activations other than tanh/sigmoid). Invalid configs or weights throw
// Error(InvalidArgument/ShapeMismatch) as checkWeights does; I/O failures throw Error(BadFile).
void writeGruWeights(const std::string& path, WriteFormat format, const GruConfig& config, const GruWeights& weights);

} // namespace gruscope
