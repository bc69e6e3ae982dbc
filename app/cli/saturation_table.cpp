#include "saturation_table.h"

#include <cmath>
#include <iomanip>
#include <sstream>

namespace cli {

using namespace gruscope;

namespace {

std::string percent(double fraction)
{
    std::ostringstream s;
    s << std::fixed << std::setprecision(1) << 100.0 * fraction;
    return s.str();
}

// τ spans 0 to ∞ over many decades: 4 significant digits, "inf" for a unit that never forgets.
std::string tauText(double tau)
{
    if (std::isinf(tau))
        return "inf";
    if (std::isnan(tau))
        return "-";
    std::ostringstream s;
    s << std::setprecision(4) << tau;
    return s.str();
}

} // namespace

std::string formatSaturationTable(const SaturationReport& rep, const std::string& what)
{
    std::ostringstream o;
    if (!rep.valid()) {
        o << "saturation: nothing to analyse (" << rep.message << ")\n";
        return o.str();
    }
    const SaturationThresholds& th = rep.thresholds;
    o << "saturation & memory over " << what << ": " << rep.steps << " kept steps (masked steps left out)\n";
    o << "  %z<" << th.low << " ... %r>" << th.high << ": % of the steps with the gate below " << th.low << " / above "
      << th.high << "\n";
    o << "  tau = -1/ln(z mean): steps for a state the unit only keeps to fall by e (inf: never)\n";
    o << "  flags: stuck z > " << th.high << " on >= " << 100 * th.most << " % of the steps, always-reset r < " << th.low
      << " on >= " << 100 * th.most << " %, dead h moves < " << th.deadRange << "\n";
    o << "  unit  %z<" << th.low << "  %z>" << th.high << "  %r<" << th.low << "  %r>" << th.high
      << "   z mean    tau  flags\n";
    for (size_t u = 0; u < rep.units.size(); ++u) {
        const UnitSaturation& s = rep.units[u];
        o << "  " << std::setw(4) << u << "  " << std::setw(6) << percent(s.lowZ) << "  " << std::setw(6) << percent(s.highZ)
          << "  " << std::setw(6) << percent(s.lowR) << "  " << std::setw(6) << percent(s.highR) << "  " << std::fixed
          << std::setprecision(4) << std::setw(7) << s.zMean << std::defaultfloat << "  " << std::setw(5) << tauText(s.tau);
        const std::string flags = saturationFlagNames(s.flags);
        if (!flags.empty())
            o << "  " << flags;
        o << "\n";
    }
    o << "  summary: " << rep.count(kSatDead) << " dead, " << rep.count(kSatStuck) << " stuck, " << rep.count(kSatAlwaysReset)
      << " always-reset of " << rep.units.size() << " units\n";
    return o.str();
}

} // namespace cli
