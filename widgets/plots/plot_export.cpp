#include "plots/plot_export.h"

#include "model/engine_qt.h"

#include "gruscope/atomic_file.h"
#include "gruscope/error.h"
#include "gruscope/npy.h"

#include <QBuffer>
#include <QFileDialog>
#include <QFileInfo>
#include <QImage>
#include <QLocale>
#include <QMessageBox>
#include <QPainter>
#include <QSvgGenerator>
#include <qcustomplot.h>

#include <fstream>
#include <sstream>

namespace gsui {

using gruscope::Error;
using gruscope::ErrorCode;

namespace {

QString suffixOf(const QString& path) { return QFileInfo(path).suffix().toLower(); }

// CSV cells: quote names that hold a comma, a quote or a newline.
QString csvCell(const QString& s)
{
    if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"')) && !s.contains(QLatin1Char('\n')))
        return s;
    QString q = s;
    q.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + q + QLatin1Char('"');
}

} // namespace

void savePlotFigure(QCustomPlot* plot, const QString& path, int width, int height)
{
    if (!plot)
        throw Error(ErrorCode::InvalidArgument, "this view has no figure to save");
    const QString ext = suffixOf(path);
    const int w = width > 0 ? width : plot->width();
    const int h = height > 0 ? height : plot->height();
    // PNG and SVG are drawn into memory and then written as bytes, so that a write that fails (a
    // full disk) says why; QImage and QSvgGenerator report only that something failed.
    if (ext == QLatin1String("png") || ext == QLatin1String("svg")) {
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        bool ok = false;
        if (ext == QLatin1String("png")) {
            // Twice the pixel density at 144 dpi, as QCustomPlot::savePng(path, w, h, 2.0, -1, 144).
            QImage image = plot->toPixmap(w, h, 2.0).toImage();
            const int dotsPerMeter = qRound(144 / 0.0254);
            image.setDotsPerMeterX(dotsPerMeter);
            image.setDotsPerMeterY(dotsPerMeter);
            ok = image.save(&buffer, "PNG");
        } else {
            QSvgGenerator svg;
            svg.setOutputDevice(&buffer);
            svg.setSize(QSize(w, h));
            svg.setViewBox(QRect(0, 0, w, h));
            svg.setTitle(QFileInfo(path).baseName());
            svg.setDescription(QStringLiteral("GruScope figure"));
            QCPPainter painter;
            if (painter.begin(&svg)) {
                plot->toPainter(&painter, w, h);
                painter.end();
                ok = true;
            }
        }
        if (!ok || buffer.data().isEmpty())
            throw Error(ErrorCode::Internal, "could not draw the figure for " + ss(path));
        gruscope::writeBytesAtomically(ss(path), buffer.data().toStdString());
        return;
    }
    if (ext != QLatin1String("pdf"))
        throw Error(ErrorCode::InvalidArgument, "cannot save a figure as '." + ss(ext) + "': choose .png, .pdf or .svg");
    gruscope::writeFileAtomically(ss(path), [&](const std::string& tmp) {
        if (!plot->savePdf(QString::fromStdString(tmp), w, h, QCP::epNoCosmetic, QStringLiteral("GruScope"), QFileInfo(path).baseName()))
            throw Error(ErrorCode::BadFile, "could not write the figure " + ss(path) + " (the PDF writer failed; is the disk full?)");
    });
}

void saveShownData(const std::vector<ShownData>& tables, const QString& path)
{
    if (tables.empty())
        throw Error(ErrorCode::InvalidArgument, "this view shows no numbers to save");
    for (const auto& t : tables)
        if (int64_t(t.values.size()) != t.rows * t.columns)
            throw Error(ErrorCode::Internal, "table " + ss(t.name) + " does not match its size");
    const QString ext = suffixOf(path);
    if (ext == QLatin1String("csv")) {
        // One table per file; several tables go one after another, each under a "# name" line.
        std::ostringstream out;
        for (const auto& t : tables) {
            if (tables.size() > 1)
                out << "# " << ss(t.name) << "\n";
            if (!t.columnNames.isEmpty()) {
                QStringList header;
                if (!t.rowNames.isEmpty())
                    header << QString();
                for (const auto& c : t.columnNames)
                    header << csvCell(c);
                out << ss(header.join(QLatin1Char(','))) << "\n";
            }
            for (int64_t r = 0; r < t.rows; ++r) {
                QStringList cells;
                if (!t.rowNames.isEmpty())
                    cells << csvCell(t.rowNames.value(int(r)));
                for (int64_t c = 0; c < t.columns; ++c)
                    cells << QString::number(t.values[size_t(r * t.columns + c)], 'g', 9);
                out << ss(cells.join(QLatin1Char(','))) << "\n";
            }
        }
        gruscope::writeBytesAtomically(ss(path), out.str());
        return;
    }
    std::vector<gruscope::ArrayD> arrays;
    arrays.reserve(tables.size());
    for (const auto& t : tables)
        arrays.emplace_back(gruscope::Shape{t.rows, t.columns}, t.values);
    if (ext == QLatin1String("npy")) {
        if (tables.size() != 1)
            throw Error(ErrorCode::InvalidArgument,
                        "this view shows " + std::to_string(tables.size()) + " tables: save them as .npz or .csv");
        gruscope::npy::writeNpy(ss(path), gruscope::npy::ref(ss(tables[0].name), arrays[0]));
        return;
    }
    if (ext == QLatin1String("npz")) {
        std::vector<gruscope::npy::ArrayRef> refs;
        for (size_t i = 0; i < tables.size(); ++i)
            refs.push_back(gruscope::npy::ref(ss(tables[i].name), arrays[i]));
        gruscope::npy::writeNpz(ss(path), refs);
        return;
    }
    throw Error(ErrorCode::InvalidArgument, "cannot save numbers as '." + ss(ext) + "': choose .csv, .npy or .npz");
}

QString exportFigureInteractive(QWidget* parent, const Exportable& view)
{
    QString path = QFileDialog::getSaveFileName(
        parent, QObject::tr("Export figure: %1").arg(view.exportTitle()), view.exportTitle() + QStringLiteral(".png"),
        QObject::tr("PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg)"));
    if (path.isEmpty())
        return {};
    try {
        savePlotFigure(view.exportPlot(), path);
        return path;
    } catch (const std::exception& e) {
        QMessageBox::warning(parent, QObject::tr("Export failed"), errorText(e));
        return {};
    }
}

QString exportDataInteractive(QWidget* parent, const Exportable& view)
{
    const auto data = view.exportData();
    const QString defaultName = view.exportTitle() + (data.size() > 1 ? QStringLiteral(".npz") : QStringLiteral(".csv"));
    QString path = QFileDialog::getSaveFileName(
        parent, QObject::tr("Export data: %1").arg(view.exportTitle()), defaultName,
        QObject::tr("CSV table (*.csv);;NumPy array (*.npy);;NumPy archive (*.npz)"));
    if (path.isEmpty())
        return {};
    try {
        saveShownData(data, path);
        return path;
    } catch (const std::exception& e) {
        QMessageBox::warning(parent, QObject::tr("Export failed"), errorText(e));
        return {};
    }
}

} // namespace gsui
