package org.cortado.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A map from data values to drawing coordinates along one axis, linear or base-10 logarithmic, with its tick values.
 *
 * @param lo    the data value at {@code from}
 * @param hi    the data value at {@code to}
 * @param from  the coordinate of {@code lo}
 * @param to    the coordinate of {@code hi}
 * @param log   logarithmic (values must be positive)
 */
record Scale(double lo, double hi, double from, double to, boolean log) {
    /** A scale over {@code [min, max]}, widened when the two are equal, rounded out to ticks when linear. */
    static Scale over(double min, double max, double from, double to, boolean log) {
        if (!Double.isFinite(min) || !Double.isFinite(max)) {
            min = 0;
            max = 1;
        }
        if (log) {
            double a = Math.floor(Math.log10(min));
            double b = Math.ceil(Math.log10(max));
            return new Scale(Math.pow(10, a), Math.pow(10, b == a ? a + 1 : b), from, to, true);
        }
        if (max - min < 1e-12 * Math.max(1, Math.abs(max))) {
            double pad = min == 0 ? 1 : Math.abs(min) * 0.1;
            min -= pad;
            max += pad;
        }
        double step = niceStep((max - min) / 5);
        return new Scale(Math.floor(min / step + 1e-9) * step, Math.ceil(max / step - 1e-9) * step, from, to, false);
    }

    double map(double v) {
        double a = log ? Math.log10(lo) : lo;
        double b = log ? Math.log10(hi) : hi;
        double t = ((log ? Math.log10(v) : v) - a) / (b - a);
        return from + t * (to - from);
    }

    /** Tick values: powers of ten (log), or about five round values (linear). */
    List<Double> ticks() {
        List<Double> t = new ArrayList<>();
        if (log) {
            for (double e = Math.log10(lo); e <= Math.log10(hi) + 1e-9; e++) {
                t.add(Math.pow(10, Math.round(e)));
            }
            return t;
        }
        double step = niceStep((hi - lo) / 5);
        for (double v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
            t.add(Math.abs(v) < step * 1e-9 ? 0 : v);
        }
        return t;
    }

    /** The label of a tick value. */
    String label(double v) {
        if (log) {
            int e = (int) Math.round(Math.log10(v));
            return e >= -2 && e <= 3 ? Markup.figure(v, 3) : "1e" + e;
        }
        return Markup.figure(v, 4);
    }

    /** 1, 2 or 5 times a power of ten, the first at least {@code raw}. */
    static double niceStep(double raw) {
        if (!(raw > 0)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= raw * (1 - 1e-9)) {
                return m * p;
            }
        }
        return 10 * p;
    }
}
