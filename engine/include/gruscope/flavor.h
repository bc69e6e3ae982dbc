// Which Keras a configuration follows. The two differ in a few definitions (hard_sigmoid), in
// quirks (stateful + initial_state), in argument sets (time_major, use_cudnn, seed) and in the
// cuDNN rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gruscope {

enum class Flavor {
    Keras3,  // Keras 3 (keras.layers.GRU)
    TfKeras, // tf.keras / tf_keras 2.x (TensorFlow's Keras 2)
};

const char* flavorName(Flavor flavor) noexcept;                  // "keras3" | "tf_keras"
std::optional<Flavor> flavorFromName(std::string_view name) noexcept; // also "tf.keras", "keras2", "k3"

} // namespace gruscope
