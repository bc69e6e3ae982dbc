// The one place where engine types meet Qt types: strings, shapes and errors.
#pragma once

#include "gruscope/array.h"
#include "gruscope/error.h"

#include <QString>
#include <QStringList>

#include <string>
#include <vector>

namespace gsui {

inline QString qs(const std::string& s) { return QString::fromStdString(s); }
inline std::string ss(const QString& s) { return s.toStdString(); }
inline QString qs(const gruscope::Shape& shape) { return QString::fromStdString(gruscope::shapeToString(shape)); }

inline QStringList qsList(const std::vector<std::string>& v)
{
    QStringList out;
    for (const auto& s : v)
        out << QString::fromStdString(s);
    return out;
}

// "Bad file: <message>" for an engine error, the message alone for anything else.
inline QString errorText(const std::exception& e)
{
    if (const auto* g = dynamic_cast<const gruscope::Error*>(&e))
        return QString::fromUtf8(g->what());
    return QStringLiteral("unexpected error: %1").arg(QString::fromUtf8(e.what()));
}

// Gate block names in Keras column order.
inline const char* gateName(int g) { return g == 0 ? "z" : g == 1 ? "r" : "h"; }

} // namespace gsui
