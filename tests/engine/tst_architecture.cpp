// The engine stays Qt-free: no file under engine/ may include a Qt header or use Qt types. The
// GPU-less CLI and the GPU-check script depend on this.
#include "test_support.h"

#include <QTest>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

class TstArchitecture : public QObject {
    Q_OBJECT

private slots:
    void engineHasNoQt()
    {
        namespace fs = std::filesystem;
        const fs::path root = fs::path(GRUSCOPE_SOURCE_DIR) / "engine";
        QVERIFY2(fs::is_directory(root), root.c_str());
        // Patterns are ordinary strings: moc does not parse raw string literals.
        const std::regex qt("(#\\s*include\\s*[<\"]Q[A-Za-z]|\\bQ_" "OBJECT\\b|\\bQString\\b|\\bQVector\\b|\\bQList\\b)");
        int files = 0;
        std::string offenders;
        for (const auto& e : fs::recursive_directory_iterator(root)) {
            if (!e.is_regular_file())
                continue;
            const auto ext = e.path().extension().string();
            if (ext != ".h" && ext != ".cpp" && ext != ".cu" && ext != ".txt")
                continue;
            ++files;
            std::ifstream in(e.path());
            std::string line;
            int n = 0;
            while (std::getline(in, line)) {
                ++n;
                if (std::regex_search(line, qt))
                    offenders += e.path().string() + ":" + std::to_string(n) + ": " + line + "\n";
            }
        }
        QVERIFY(files > 10);
        QVERIFY2(offenders.empty(), offenders.c_str());
    }

    void publicHeadersHideThirdPartyTypes()
    {
        // Eigen, libzip, nlohmann::json and CUDA are private to the engine.
        namespace fs = std::filesystem;
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
};

QTEST_GUILESS_MAIN(TstArchitecture)
#include "tst_architecture.moc"
