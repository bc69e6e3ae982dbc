// GPU suite. Without a usable GPU every test skips and says why; on a GPU machine the probe must
// describe the device and the eligibility check must see it.
#include "gruscope/device.h"
#include "gruscope/eligibility.h"
#include "test_support.h"

#include <QTest>

using namespace gruscope;

class TstGpuProbe : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        const DeviceInfo& d = probeDevice();
        QVERIFY(!d.reason.empty()); // never silent, whatever the machine
        if (!d.present)
            QSKIP(("no usable GPU: " + d.reason).c_str());
    }

    void probeDescribesTheDevice()
    {
        const DeviceInfo& d = probeDevice();
        QVERIFY(d.gpuBackendBuilt);
        QVERIFY(!d.name.empty());
        QVERIFY(d.computeMajor >= 5);
        QVERIFY(d.driverVersion >= 13000);
        QVERIFY(d.cudnnVersion >= 90000);
        qInfo("%s", d.reason.c_str());
    }

    void eligibilitySeesTheGpu()
    {
        GruConfig c;
        c.units = 8;
        const auto r = checkCudnnEligibility(c, nullptr, probeDevice(), {});
        QVERIFY(r.eligible);
    }
};

QTEST_GUILESS_MAIN(TstGpuProbe)
#include "tst_gpu_probe.moc"
