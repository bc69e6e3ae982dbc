// cuDNN eligibility: each condition fails alone, with a reason and a fix; masks; flavors and
// Keras versions; the report's JSON shape.
#include "gruscope/eligibility.h"
#include "test_support.h"

#include <nlohmann/json.hpp>

#include <QTest>

using namespace gruscope;

namespace {

GruConfig baseConfig(Flavor f = Flavor::Keras3)
{
    GruConfig c;
    c.units = 4;
    c.flavor = f;
    return c;
}

const EligibilityCondition* find(const EligibilityReport& r, const std::string& id)
{
    for (const auto& c : r.conditions)
        if (c.id == id)
            return &c;
    return nullptr;
}

ArrayU8 mask(std::vector<std::vector<int>> rows)
{
    ArrayU8 m({int64_t(rows.size()), int64_t(rows[0].size())});
    for (size_t b = 0; b < rows.size(); ++b)
        for (size_t t = 0; t < rows[b].size(); ++t)
            m.data[b * rows[0].size() + t] = uint8_t(rows[b][t]);
    return m;
}

bool hasNote(const EligibilityReport& r, const char* text)
{
    for (const auto& n : r.notes)
        if (n.find(text) != std::string::npos)
            return true;
    return false;
}

} // namespace

class TstEligibility : public QObject {
    Q_OBJECT

private slots:
    void defaultsAreEligibleOnAGpu()
    {
        for (Flavor f : {Flavor::Keras3, Flavor::TfKeras}) {
            const auto r = checkCudnnEligibility(baseConfig(f), nullptr, DeviceInfo::assumedGpu(), {f});
            QVERIFY(r.eligible);
            for (const auto& c : r.conditions) {
                QVERIFY2(c.ok, c.id.c_str());
                QVERIFY(!c.reason.empty());
                QVERIFY(c.fix.empty());
            }
            QVERIFY(r.conditions.size() >= 12);
        }
    }

    void noGpuFails()
    {
        const auto r = checkCudnnEligibility(baseConfig(), nullptr, DeviceInfo::assumedNone("no driver"), {});
        QVERIFY(!r.eligible);
        const auto* gpu = find(r, "gpu");
        QVERIFY(gpu && !gpu->ok && gpu->reason.find("no driver") != std::string::npos && !gpu->fix.empty());
    }

    void eachConditionFailsAlone_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<int>("what");
        QTest::newRow("activation relu") << "activation" << 0;
        QTest::newRow("recurrent_activation hard_sigmoid") << "recurrent_activation" << 1;
        QTest::newRow("recurrent_dropout") << "recurrent_dropout" << 2;
        QTest::newRow("unroll") << "unroll" << 3;
        QTest::newRow("use_bias") << "use_bias" << 4;
        QTest::newRow("reset_after") << "reset_after" << 5;
        QTest::newRow("use_cudnn False") << "use_cudnn" << 6;
        QTest::newRow("activation None") << "activation" << 7;
    }

    void eachConditionFailsAlone()
    {
        QFETCH(QString, id);
        QFETCH(int, what);
        GruConfig c = baseConfig();
        switch (what) {
        case 0: c.activation = "relu"; break;
        case 1: c.recurrent_activation = "hard_sigmoid"; break;
        case 2: c.recurrent_dropout = 0.2; break;
        case 3: c.unroll = true; break;
        case 4: c.use_bias = false; break;
        case 5: c.reset_after = false; break;
        case 6: c.use_cudnn = UseCudnn::False; break;
        case 7: c.activation = "linear"; break;
        }
        const auto r = checkCudnnEligibility(c, nullptr, DeviceInfo::assumedGpu(), {});
        QVERIFY(!r.eligible);
        int failed = 0;
        for (const auto& cond : r.conditions) {
            if (!cond.ok) {
                ++failed;
                QCOMPARE(QString::fromStdString(cond.id), id);
                QVERIFY(!cond.reason.empty());
                QVERIFY(!cond.fix.empty());
            }
        }
        QCOMPARE(failed, 1);
    }

    void everyFailureIsReported()
    {
        GruConfig c = baseConfig();
        c.activation = "relu";
        c.recurrent_activation = "hard_sigmoid";
        c.use_bias = false;
        c.reset_after = false;
        const ArrayU8 m = mask({{0, 1, 1}, {1, 1, 0}});
        const auto r = checkCudnnEligibility(c, &m, DeviceInfo::assumedNone(), {});
        int failed = 0;
        for (const auto& cond : r.conditions)
            failed += !cond.ok;
        QCOMPARE(failed, 6); // gpu, activation, recurrent_activation, use_bias, reset_after, mask
    }

    void masks()
    {
        const GruConfig c = baseConfig();
        const auto dev = DeviceInfo::assumedGpu();
        const ArrayU8 right = mask({{1, 1, 0, 0}, {1, 1, 1, 1}, {1, 0, 0, 0}});
        QVERIFY(checkCudnnEligibility(c, &right, dev, {}).eligible);

        const ArrayU8 left = mask({{0, 0, 1, 1}, {1, 1, 1, 1}});
        auto r = checkCudnnEligibility(c, &left, dev, {});
        QVERIFY(!r.eligible);
        QVERIFY(!find(r, "mask_right_padded")->ok);
        QVERIFY(find(r, "mask_right_padded")->reason.find("sample 0") != std::string::npos);
        QVERIFY(find(r, "no_fully_masked_sample")->ok);

        const ArrayU8 hole = mask({{1, 1, 1, 1}, {1, 0, 1, 1}});
        r = checkCudnnEligibility(c, &hole, dev, {});
        QVERIFY(!find(r, "mask_right_padded")->ok);
        QVERIFY(find(r, "mask_right_padded")->reason.find("sample 1") != std::string::npos);

        const ArrayU8 empty = mask({{1, 1, 0, 0}, {0, 0, 0, 0}});
        r = checkCudnnEligibility(c, &empty, dev, {});
        QVERIFY(find(r, "mask_right_padded")->ok); // an all-False row is right-padded...
        QVERIFY(!find(r, "no_fully_masked_sample")->ok); // ...but cuDNN cannot run length 0
        QVERIFY(!r.eligible);
    }

    void timeMajorMaskIsTransposed()
    {
        GruConfig c = baseConfig(Flavor::TfKeras);
        c.time_major = true;
        // (T, B) = (3, 2): sample 0 = 1,1,0 (right-padded), sample 1 = 0,1,1 (left-padded)
        const ArrayU8 tb = mask({{1, 0}, {1, 1}, {0, 1}});
        const auto r = checkCudnnEligibility(c, &tb, DeviceInfo::assumedGpu(), {Flavor::TfKeras});
        QVERIFY(!find(r, "mask_right_padded")->ok);
        QVERIFY(find(r, "mask_right_padded")->reason.find("sample 1") != std::string::npos);
    }

    void flavorSpecificRules()
    {
        GruConfig tfk = baseConfig(Flavor::TfKeras);
        EligibilityContext ctx{Flavor::TfKeras};
        ctx.eagerOutermost = false;
        auto r = checkCudnnEligibility(tfk, nullptr, DeviceInfo::assumedGpu(), ctx);
        QVERIFY(!find(r, "eager_outermost")->ok);
        QVERIFY(!find(r, "use_cudnn")->applies);

        // Keras 3 ignores the eager rule.
        EligibilityContext k3{Flavor::Keras3};
        k3.eagerOutermost = false;
        r = checkCudnnEligibility(baseConfig(), nullptr, DeviceInfo::assumedGpu(), k3);
        QVERIFY(r.eligible);
        QVERIFY(!find(r, "eager_outermost")->applies);
    }

    void dropoutRuleChangedWithKerasVersion()
    {
        GruConfig c = baseConfig();
        c.dropout = 0.3;
        EligibilityContext ctx{Flavor::Keras3, "3.3.3", true};
        auto r = checkCudnnEligibility(c, nullptr, DeviceInfo::assumedGpu(), ctx);
        QVERIFY(!r.eligible);
        QVERIFY(!find(r, "dropout")->ok);

        ctx.kerasVersion = "3.4.0";
        r = checkCudnnEligibility(c, nullptr, DeviceInfo::assumedGpu(), ctx);
        QVERIFY(r.eligible);
        QVERIFY(hasNote(r, "same at every timestep"));

        ctx.kerasVersion = "3.8.0";
        ctx.training = false;
        r = checkCudnnEligibility(c, nullptr, DeviceInfo::assumedGpu(), ctx);
        QVERIFY(r.eligible);
        QVERIFY(hasNote(r, "even at inference"));

        ctx.kerasVersion = ""; // current
        r = checkCudnnEligibility(c, nullptr, DeviceInfo::assumedGpu(), ctx);
        QVERIFY(!hasNote(r, "even at inference"));

        EligibilityContext tfk{Flavor::TfKeras, "", true};
        r = checkCudnnEligibility(baseConfig(Flavor::TfKeras), nullptr, DeviceInfo::assumedGpu(), tfk);
        GruConfig d = baseConfig(Flavor::TfKeras);
        d.dropout = 0.3;
        r = checkCudnnEligibility(d, nullptr, DeviceInfo::assumedGpu(), tfk);
        QVERIFY(r.eligible);
        QVERIFY(hasNote(r, "every timestep"));
    }

    void notes()
    {
        GruConfig c = baseConfig();
        c.return_sequences = true;
        c.use_cudnn = UseCudnn::True;
        const ArrayU8 right = mask({{1, 1, 0}});
        auto r = checkCudnnEligibility(c, &right, DeviceInfo::assumedGpu(), {});
        QVERIFY(hasNote(r, "Padded outputs differ"));
        c.activation = "relu";
        r = checkCudnnEligibility(c, &right, DeviceInfo::assumedGpu(), {});
        QVERIFY(hasNote(r, "raises ValueError"));
    }

    void json()
    {
        GruConfig c = baseConfig();
        c.unroll = true;
        const auto j = nlohmann::json::parse(checkCudnnEligibility(c, nullptr, DeviceInfo::assumedGpu(), {}).toJson());
        QCOMPARE(j["eligible"].get<bool>(), false);
        QVERIFY(j["conditions"].is_array());
        bool sawUnroll = false;
        for (const auto& cond : j["conditions"]) {
            for (const char* k : {"id", "ok", "reason", "fix"})
                QVERIFY2(cond.contains(k), k);
            if (cond["id"] == "unroll") {
                sawUnroll = true;
                QCOMPARE(cond["ok"].get<bool>(), false);
                QVERIFY(!cond["fix"].get<std::string>().empty());
            }
        }
        QVERIFY(sawUnroll);
        QVERIFY(j["notes"].is_array());
    }

    void maskHelpers()
    {
        int64_t bad = -1;
        QVERIFY(isRightPadded(mask({{1, 1, 0}, {1, 0, 0}, {0, 0, 0}})));
        QVERIFY(!isRightPadded(mask({{1, 1, 0}, {1, 0, 1}}), &bad));
        QCOMPARE(bad, 1);
        QVERIFY(hasFullyMaskedSample(mask({{1, 1, 0}, {0, 0, 0}}), &bad));
        QCOMPARE(bad, 1);
        QVERIFY(!hasFullyMaskedSample(mask({{1, 0, 0}, {0, 0, 1}})));
    }

    void probeNeverThrows()
    {
        const DeviceInfo& d = probeDevice();
        QVERIFY(!d.reason.empty());
        if (!d.present)
            qInfo("no GPU here: %s", d.reason.c_str());
    }
};

QTEST_GUILESS_MAIN(TstEligibility)
#include "tst_eligibility.moc"
