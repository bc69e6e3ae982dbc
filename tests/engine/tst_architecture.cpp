// The architecture, checked on the source tree:
//   - the engine stays Qt-free (the GPU-less CLI and the GPU-check script depend on it), and its
//     public headers hide Eigen, libzip, nlohmann::json, HDF5 and CUDA;
//   - widgets/ is three layers whose includes point one way: model (Qt Core/Gui only: no Qt
//     Widgets, no QCustomPlot) <- plots (QCustomPlot views) and model <- panels; plots and panels
//     never include each other, and a layer names another one by its folder ("model/document.h");
//   - no folder's own files hold more than 15% of the project's source lines.
// Each check also runs on a small made-up tree with one planted violation, so a check that could
// no longer fail fails here.
#include "test_support.h"

#include <QDir>
#include <QLibraryInfo>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

namespace fs = std::filesystem;

namespace {

bool isSource(const fs::path& p)
{
    const std::string ext = p.extension().string();
    return ext == ".h" || ext == ".cpp" || ext == ".cu" || ext == ".py" || p.filename() == "CMakeLists.txt";
}

// ---- the engine --------------------------------------------------------------------------------

// "file:line: text" of every line under `engine` that includes a Qt header or uses a Qt type.
std::string qtInEngine(const fs::path& engine, int* filesSeen = nullptr)
{
    // Patterns are ordinary strings: moc does not parse raw string literals.
    const std::regex qt("(#\\s*include\\s*[<\"]Q[A-Za-z]|\\bQ_" "OBJECT\\b|\\bQString\\b|\\bQVector\\b|\\bQList\\b)");
    std::string offenders;
    int files = 0;
    for (const auto& e : fs::recursive_directory_iterator(engine)) {
        const auto ext = e.path().extension().string();
        if (!e.is_regular_file() || (ext != ".h" && ext != ".cpp" && ext != ".cu" && ext != ".txt"))
            continue;
        ++files;
        std::ifstream in(e.path());
        std::string line;
        for (int n = 1; std::getline(in, line); ++n)
            if (std::regex_search(line, qt))
                offenders += e.path().string() + ":" + std::to_string(n) + ": " + line + "\n";
    }
    if (filesSeen)
        *filesSeen = files;
    return offenders;
}

// ---- the widget layers -------------------------------------------------------------------------

// What a layer may depend on. "qt-widgets" is any header of Qt Widgets, Print Support or SVG
// Widgets (or a use of QWidget/QApplication); "qcustomplot" the plotting library.
struct LayerRule {
    std::string folder; // under widgets/
    std::set<std::string> allowed;
};

const std::vector<LayerRule>& layerRules()
{
    static const std::vector<LayerRule> rules = {
        {"model", {"engine", "model"}},
        {"plots", {"engine", "model", "plots", "qt-widgets", "qcustomplot"}},
        {"panels", {"engine", "model", "panels", "qt-widgets"}},
    };
    return rules;
}

// The class headers of Qt's widget modules (<QLabel>, ...), from the installed Qt, without the
// names Qt Core or Qt Gui also have.
std::set<std::string> installedWidgetHeaders()
{
    const fs::path headers = QLibraryInfo::path(QLibraryInfo::HeadersPath).toStdString();
    std::set<std::string> core;
    for (const char* m : {"QtCore", "QtGui"})
        if (fs::is_directory(headers / m))
            for (const auto& e : fs::directory_iterator(headers / m))
                core.insert(e.path().filename().string());
    std::set<std::string> out;
    for (const char* m : {"QtWidgets", "QtPrintSupport", "QtSvgWidgets"})
        if (fs::is_directory(headers / m))
            for (const auto& e : fs::directory_iterator(headers / m)) {
                const std::string name = e.path().filename().string();
                if (name.size() > 1 && name[0] == 'Q' && !core.count(name))
                    out.insert(name);
            }
    return out;
}

// The layer (or library) an include line names; "" for anything else (the standard library,
// Qt Core and Gui, a generated .moc).
std::string includedLayer(const std::string& target, bool quoted, const fs::path& dir,
                          const std::set<std::string>& widgetHeaders)
{
    if (quoted) {
        const auto slash = target.find('/');
        if (slash == std::string::npos)
            return target.ends_with(".moc") || fs::exists(dir / target) ? "own folder" : "unknown folder: " + target;
        const std::string first = target.substr(0, slash);
        return first == "gruscope" ? "engine" : first;
    }
    if (target == "qcustomplot.h")
        return "qcustomplot";
    for (const char* m : {"QtWidgets/", "QtPrintSupport/", "QtSvgWidgets/"})
        if (target.starts_with(m))
            return "qt-widgets";
    return widgetHeaders.count(target) ? "qt-widgets" : "";
}

// "file:line: text (layer)" of every include or use in widgets/<rule.folder> of something the
// rule does not allow.
std::string layerViolations(const fs::path& widgets, const LayerRule& rule, const std::set<std::string>& widgetHeaders)
{
    const std::regex include("^\\s*#\\s*include\\s*([<\"])([^>\"]+)[>\"]");
    // Forward declarations and uses count too: `class QWidget;` needs no include.
    const std::regex widgetUse("\\b(QWidget|QApplication|QMainWindow)\\b");
    const std::regex plotUse("\\b(QCustomPlot|QCP[A-Z][A-Za-z]*)\\b");
    std::string offenders;
    const fs::path root = widgets / rule.folder;
    if (!fs::is_directory(root))
        return root.string() + ": missing\n";
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (!e.is_regular_file() || !isSource(e.path()) || e.path().extension() == ".txt")
            continue;
        std::ifstream in(e.path());
        std::string line;
        for (int n = 1; std::getline(in, line); ++n) {
            std::vector<std::string> found;
            std::smatch m;
            if (std::regex_search(line, m, include)) {
                const std::string layer =
                    includedLayer(m[2].str(), m[1].str() == "\"", e.path().parent_path(), widgetHeaders);
                if (!layer.empty() && layer != "own folder")
                    found.push_back(layer);
            } else {
                const std::string code = line.substr(0, line.find("//"));
                if (std::regex_search(code, widgetUse))
                    found.push_back("qt-widgets");
                if (std::regex_search(code, plotUse))
                    found.push_back("qcustomplot");
            }
            for (const std::string& layer : found)
                if (!rule.allowed.count(layer))
                    offenders += e.path().string() + ":" + std::to_string(n) + ": " + line + "  (" + layer + ")\n";
        }
    }
    return offenders;
}

// ---- line shares ---------------------------------------------------------------------------------

constexpr double kMaxFolderShare = 0.15;

// Lines of the source files (.h, .cpp, .cu, .py, CMakeLists.txt) directly in each folder, for the
// folders under engine, widgets, app, tests (fixtures in tests/data apart), bench, tools and fuzz.
std::map<std::string, long> linesPerFolder(const fs::path& root)
{
    std::map<std::string, long> lines;
    for (const char* top : {"engine", "widgets", "app", "tests", "bench", "tools", "fuzz"}) {
        if (!fs::is_directory(root / top))
            continue;
        for (auto it = fs::recursive_directory_iterator(root / top); it != fs::recursive_directory_iterator(); ++it) {
            if (it->is_directory() && it->path() == root / "tests" / "data") {
                it.disable_recursion_pending();
                continue;
            }
            if (!it->is_regular_file() || !isSource(it->path()))
                continue;
            std::ifstream in(it->path());
            long n = 0;
            for (std::string line; std::getline(in, line);)
                ++n;
            lines[fs::relative(it->path().parent_path(), root).string()] += n;
        }
    }
    return lines;
}

// "folder: lines (share)" of every folder over kMaxFolderShare; `total` receives the sum.
std::string foldersOverShare(const fs::path& root, long* total = nullptr)
{
    const auto lines = linesPerFolder(root);
    long sum = 0;
    for (const auto& [folder, n] : lines)
        sum += n;
    if (total)
        *total = sum;
    std::string over;
    for (const auto& [folder, n] : lines)
        if (sum > 0 && double(n) > kMaxFolderShare * double(sum))
            over += folder + ": " + std::to_string(n) + " of " + std::to_string(sum) + " lines (" +
                    std::to_string(std::lround(100.0 * double(n) / double(sum))) + "%)\n";
    return over;
}

void writeFile(const fs::path& path, const std::string& text)
{
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

} // namespace

class TstArchitecture : public QObject {
    Q_OBJECT

private slots:
    void engineHasNoQt()
    {
        const fs::path root = fs::path(GRUSCOPE_SOURCE_DIR) / "engine";
        QVERIFY2(fs::is_directory(root), root.c_str());
        int files = 0;
        const std::string offenders = qtInEngine(root, &files);
        QVERIFY(files > 10);
        QVERIFY2(offenders.empty(), offenders.c_str());
    }

    void publicHeadersHideThirdPartyTypes()
    {
        const fs::path inc = fs::path(GRUSCOPE_SOURCE_DIR) / "engine" / "include" / "gruscope";
        const std::regex priv("#\\s*include\\s*[<\"](Eigen|zip\\.h|nlohmann|cuda|cudnn|hdf5|H5)");
        std::string offenders;
        for (const auto& e : fs::directory_iterator(inc)) {
            std::ifstream in(e.path());
            std::string line;
            while (std::getline(in, line))
                if (std::regex_search(line, priv))
                    offenders += e.path().filename().string() + ": " + line + "\n";
        }
        QVERIFY2(offenders.empty(), offenders.c_str());
    }

    void widgetLayersPointOneWay_data()
    {
        QTest::addColumn<int>("rule");
        for (size_t i = 0; i < layerRules().size(); ++i)
            QTest::newRow(layerRules()[i].folder.c_str()) << int(i);
    }
    void widgetLayersPointOneWay()
    {
        QFETCH(int, rule);
        const std::set<std::string> headers = installedWidgetHeaders();
        // Without the Qt Widgets headers an include of <QLabel> could not be recognised.
        if (!headers.count("QWidget"))
            QSKIP("Qt Widgets headers not installed: the layers cannot be checked");
        const std::string offenders =
            layerViolations(fs::path(GRUSCOPE_SOURCE_DIR) / "widgets", layerRules()[size_t(rule)], headers);
        QVERIFY2(offenders.empty(), offenders.c_str());
    }

    void noFolderHoldsTooManyLines()
    {
        long total = 0;
        const std::string over = foldersOverShare(GRUSCOPE_SOURCE_DIR, &total);
        QVERIFY(total > 10000); // the walk found the project
        QVERIFY2(over.empty(), over.c_str());
    }

    // Every check above, on a made-up tree: clean it passes, with one planted violation it fails
    // and names the offending line.
    void checksCatchPlantedViolations_data()
    {
        QTest::addColumn<QString>("check"); // engine, model, plots, panels or lines
        QTest::addColumn<QString>("file");  // planted under the tree
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("named"); // what the report must say ("" = nothing to report)
        QTest::newRow("clean model") << "model" << "widgets/model/extra.h" << "#include \"model/doc.h\"\n" << "";
        QTest::newRow("clean plots") << "plots" << "widgets/plots/extra.cpp"
                                     << "#include \"model/doc.h\"\n#include <qcustomplot.h>\n#include <QLabel>\n" << "";
        QTest::newRow("clean panels") << "panels" << "widgets/panels/extra.cpp" << "#include <QLabel>\n" << "";
        QTest::newRow("model includes a plot") << "model" << "widgets/model/extra.cpp"
                                               << "#include \"plots/theme.h\"\n" << "(plots)";
        QTest::newRow("model includes a panel") << "model" << "widgets/model/extra.cpp"
                                                << "#include \"panels/bar.h\"\n" << "(panels)";
        QTest::newRow("model includes Qt Widgets") << "model" << "widgets/model/extra.h" << "#include <QLabel>\n"
                                                   << "(qt-widgets)";
        QTest::newRow("model includes QtWidgets/") << "model" << "widgets/model/extra.h"
                                                   << "#include <QtWidgets/QWidget>\n" << "(qt-widgets)";
        QTest::newRow("model declares QWidget") << "model" << "widgets/model/extra.h" << "class QWidget;\n"
                                                << "(qt-widgets)";
        QTest::newRow("model includes qcustomplot") << "model" << "widgets/model/extra.cpp"
                                                    << "#include <qcustomplot.h>\n" << "(qcustomplot)";
        QTest::newRow("model names a QCP type") << "model" << "widgets/model/extra.h" << "QCPRange range() const;\n"
                                                << "(qcustomplot)";
        QTest::newRow("bare name from another folder") << "model" << "widgets/model/extra.cpp"
                                                       << "#include \"theme.h\"\n" << "(unknown folder: theme.h)";
        QTest::newRow("plots include a panel") << "plots" << "widgets/plots/extra.cpp"
                                               << "#include \"panels/bar.h\"\n" << "(panels)";
        QTest::newRow("panels include a plot") << "panels" << "widgets/panels/extra.cpp"
                                               << "#include \"plots/theme.h\"\n" << "(plots)";
        QTest::newRow("panels include qcustomplot") << "panels" << "widgets/panels/extra.h"
                                                    << "#include <qcustomplot.h>\n" << "(qcustomplot)";
        QTest::newRow("engine includes Qt") << "engine" << "engine/src/core/extra.cpp" << "#include <QString>\n"
                                            << "extra.cpp:1";
        QTest::newRow("engine uses QList") << "engine" << "engine/include/gruscope/extra.h"
                                           << "QList<int> values();\n" << "extra.h:1";
        QTest::newRow("a folder over 15%") << "lines" << "tools/extra.py" << std::string(400, '\n').c_str()
                                           << "tools: 500 of"; // 100 + 400
        QTest::newRow("tests/data is not counted") << "lines" << "tests/data/extra.py"
                                                   << std::string(4000, '\n').c_str() << "";
    }
    void checksCatchPlantedViolations()
    {
        QFETCH(QString, check);
        QFETCH(QString, file);
        QFETCH(QString, text);
        QFETCH(QString, named);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const fs::path root = dir.path().toStdString();
        // A tree that passes every check: ten folders of 100 lines, one file per layer.
        for (const char* f : {"engine/src/core", "engine/include/gruscope", "widgets/model", "widgets/plots",
                              "widgets/panels", "app/gui", "tests/engine", "bench", "tools", "fuzz"})
            writeFile(root / f / "a.cpp", std::string(100, '\n'));
        writeFile(root / "widgets/model/doc.h", "#include \"gruscope/layer.h\"\n#include <QObject>\n");
        writeFile(root / "widgets/plots/theme.h", "#include \"model/doc.h\"\n#include <qcustomplot.h>\n");
        writeFile(root / "widgets/panels/bar.h", "#include \"model/doc.h\"\n#include <QWidget>\n");
        writeFile(root / (file.toStdString()), text.toStdString());

        const std::set<std::string> headers = {"QLabel", "QWidget"};
        std::string report;
        if (check == "engine")
            report = qtInEngine(root / "engine");
        else if (check == "lines")
            report = foldersOverShare(root);
        else
            for (const LayerRule& r : layerRules())
                if (r.folder == check.toStdString())
                    report = layerViolations(root / "widgets", r, headers);
        if (named.isEmpty()) {
            QVERIFY2(report.empty(), report.c_str());
        } else {
            QVERIFY2(QString::fromStdString(report).contains(named), report.c_str());
            QCOMPARE(QString::fromStdString(report).count(QLatin1Char('\n')), 1); // that line alone
        }
    }
};

QTEST_GUILESS_MAIN(TstArchitecture)
#include "tst_architecture.moc"
