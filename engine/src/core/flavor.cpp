#include "gruscope/flavor.h"

namespace gruscope {

const char* flavorName(Flavor flavor) noexcept
{
    return flavor == Flavor::Keras3 ? "keras3" : "tf_keras";
}

std::optional<Flavor> flavorFromName(std::string_view name) noexcept
{
    if (name == "keras3" || name == "k3" || name == "keras")
        return Flavor::Keras3;
    if (name == "tf_keras" || name == "tf.keras" || name == "tfkeras" || name == "keras2")
        return Flavor::TfKeras;
    return std::nullopt;
}

} // namespace gruscope
