// A plain dense array: a shape and row-major (C-order) data. The engine's public headers use this
// instead of Eigen or Qt types so that every caller (CLI, GUI, tests) sees plain C++.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace gruscope {

using Shape = std::vector<int64_t>;

// "(3, 37, 5)" — used in every shape error message.
std::string shapeToString(const Shape& shape);

// Product of the dimensions; throws Error(ResourceLimit) when it overflows int64.
int64_t shapeElementCount(const Shape& shape);

template <class T>
struct Array {
    Shape shape;
    std::vector<T> data;

    Array() = default;
    explicit Array(Shape s, T fill = T{}) : shape(std::move(s)), data(static_cast<size_t>(shapeElementCount(shape)), fill) {}
    Array(Shape s, std::vector<T> d) : shape(std::move(s)), data(std::move(d)) {}

    int64_t size() const noexcept { return static_cast<int64_t>(data.size()); }
    int64_t rank() const noexcept { return static_cast<int64_t>(shape.size()); }
    int64_t dim(size_t i) const { return shape.at(i); }
    bool empty() const noexcept { return data.empty() && shape.empty(); }
    T* ptr() noexcept { return data.data(); }
    const T* ptr() const noexcept { return data.data(); }
};

using ArrayF = Array<float>;
using ArrayD = Array<double>;
using ArrayU8 = Array<uint8_t>;

} // namespace gruscope
