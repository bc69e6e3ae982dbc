#include "plots/color_scales.h"

namespace gsui {

namespace {

QCPColorGradient fromStops(std::initializer_list<std::pair<double, QColor>> stops, const QColor& nanColor)
{
    QCPColorGradient g;
    g.clearColorStops();
    for (const auto& [at, colour] : stops)
        g.setColorStopAt(at, colour);
    g.setColorInterpolation(QCPColorGradient::ciRGB);
    g.setLevelCount(256);
    g.setNanHandling(QCPColorGradient::nhNanColor);
    g.setNanColor(nanColor);
    return g;
}

} // namespace

QCPColorGradient gateGradient(const QColor& nanColor)
{
    return fromStops({{0.0, QColor(68, 1, 84)},
                      {0.125, QColor(71, 44, 122)},
                      {0.25, QColor(59, 82, 139)},
                      {0.375, QColor(44, 114, 142)},
                      {0.5, QColor(33, 145, 140)},
                      {0.625, QColor(40, 174, 128)},
                      {0.75, QColor(94, 201, 98)},
                      {0.875, QColor(170, 220, 50)},
                      {1.0, QColor(253, 231, 37)}},
                     nanColor);
}

QCPColorGradient signedGradient(const QColor& nanColor)
{
    return fromStops({{0.0, QColor(5, 48, 97)},
                      {0.2, QColor(67, 147, 195)},
                      {0.4, QColor(209, 229, 240)},
                      {0.5, QColor(247, 247, 247)},
                      {0.6, QColor(253, 219, 199)},
                      {0.8, QColor(214, 96, 77)},
                      {1.0, QColor(103, 0, 31)}},
                     nanColor);
}

} // namespace gsui
