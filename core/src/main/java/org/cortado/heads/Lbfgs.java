package org.cortado.heads;

import java.util.Arrays;

/**
 * Limited-memory BFGS (Nocedal and Wright, Numerical Optimization, 2nd ed., algorithms 7.4 and 7.5) with a line
 * search that meets the strong Wolfe conditions (algorithms 3.5 and 3.6, safeguarded cubic interpolation).
 *
 * <p>Deterministic: plain double arithmetic in a fixed order, no randomness, so a fit gives the same bits on every
 * run. It stops when {@code ||g||_inf <= tolerance * ||g0||_inf} (g0 the gradient at the start), after
 * {@code maxIterations}, or when the line search can make no more progress in floating point.
 *
 * <p>Near a minimum, f changes by less than its own round-off while the gradient is still well above a tight
 * tolerance. Like Hager and Zhang's CG_DESCENT, the line search then accepts a step on the curvature condition alone
 * when f has not risen by more than {@link #ROUNDOFF} relative, instead of demanding a decrease it cannot measure.
 */
public final class Lbfgs {
    /** Sufficient-decrease constant of the Wolfe conditions (the usual value). */
    static final double C1 = 1e-4;
    /** Curvature constant: 0.9 suits quasi-Newton directions, whose unit step is usually acceptable. */
    static final double C2 = 0.9;
    private static final int MAX_LINE_SEARCH = 40;
    /** Relative change of f treated as round-off (well above double precision's 1e-16 times a sum's length). */
    static final double ROUNDOFF = 1e-12;

    /** A smooth function: returns f(x) and writes its gradient into {@code grad}. */
    @FunctionalInterface
    public interface Objective {
        /**
         * @param x    the point (not modified)
         * @param grad receives the gradient at x (modified)
         * @return the value at x
         */
        double valueAndGradient(double[] x, double[] grad);
    }

    /**
     * @param history            number of correction pairs kept (m)
     * @param gradientTolerance  relative stopping tolerance on the largest gradient component
     * @param maxIterations      iteration limit
     */
    public record Settings(int history, double gradientTolerance, int maxIterations) {
        /** m = 10, tolerance 1e-8 (relative to the starting gradient), 5000 iterations. */
        public static final Settings DEFAULT = new Settings(10, 1e-8, 5000);

        public Settings {
            if (history < 1 || !(gradientTolerance >= 0) || maxIterations < 0) {
                throw new IllegalArgumentException("bad L-BFGS settings: history " + history + ", tolerance "
                        + gradientTolerance + ", iterations " + maxIterations);
            }
        }
    }

    /**
     * The outcome of a minimisation.
     *
     * @param x            the final point
     * @param value        f at x
     * @param gradientNorm largest absolute gradient component at x
     * @param iterations   iterations done
     * @param evaluations  function evaluations done
     * @param converged    whether the gradient tolerance was met
     * @param stop         why it stopped, in words
     */
    public record Result(double[] x, double value, double gradientNorm, int iterations, int evaluations,
            boolean converged, String stop) {
    }

    private final Objective fn;
    private final int n;
    private int evaluations;

    private Lbfgs(Objective fn, int n) {
        this.fn = fn;
        this.n = n;
    }

    /** Minimises {@code fn} from {@code x0} (not modified). */
    public static Result minimize(Objective fn, double[] x0, Settings settings) {
        return new Lbfgs(fn, x0.length).run(x0.clone(), settings);
    }

    private Result run(double[] x, Settings st) {
        double[] g = new double[n];
        double f = eval(x, g);
        double tol = st.gradientTolerance() * normInf(g);
        int m = st.history();
        double[][] s = new double[m][];
        double[][] y = new double[m][];
        double[] rho = new double[m];
        int stored = 0;
        int newest = -1;
        double[] d = new double[n];
        double[] xNew = new double[n];
        double[] gNew = new double[n];
        double[] sNew = new double[n];
        double[] yNew = new double[n];
        for (int iter = 0; ; iter++) {
            double gn = normInf(g);
            if (!Double.isFinite(f) || !Double.isFinite(gn)) {
                return new Result(x, f, gn, iter, evaluations, false, "objective is not finite");
            }
            if (gn <= tol) {
                return new Result(x, f, gn, iter, evaluations, true, "gradient below tolerance");
            }
            if (iter >= st.maxIterations()) {
                return new Result(x, f, gn, iter, evaluations, false, "iteration limit " + st.maxIterations());
            }
            direction(g, s, y, rho, stored, newest, d);
            double dg = dot(d, g);
            if (!(dg < 0)) {
                // Curvature pairs went bad (round-off): restart from steepest descent.
                stored = 0;
                for (int i = 0; i < n; i++) {
                    d[i] = -g[i];
                }
                dg = -dot(g, g);
            }
            double step0 = stored == 0 ? Math.min(1, 1 / Math.sqrt(-dg)) : 1;
            double fNew = lineSearch(x, f, g, d, dg, step0, xNew, gNew);
            if (Double.isNaN(fNew)) {
                if (stored > 0) {
                    stored = 0;
                    iter--;
                    continue;
                }
                return new Result(x, f, gn, iter, evaluations, false,
                        "line search made no progress (gradient " + gn + " vs tolerance " + tol + ")");
            }
            for (int i = 0; i < n; i++) {
                sNew[i] = xNew[i] - x[i];
                yNew[i] = gNew[i] - g[i];
            }
            double sy = dot(sNew, yNew);
            // Keep the pair only with positive curvature, which keeps H positive definite.
            if (sy > 1e-12 * Math.sqrt(dot(sNew, sNew) * dot(yNew, yNew))) {
                newest = (newest + 1) % m;
                double[] evictedS = s[newest];
                double[] evictedY = y[newest];
                s[newest] = sNew;
                y[newest] = yNew;
                rho[newest] = 1 / sy;
                stored = Math.min(stored + 1, m);
                sNew = evictedS == null ? new double[n] : evictedS;
                yNew = evictedY == null ? new double[n] : evictedY;
            }
            System.arraycopy(xNew, 0, x, 0, n);
            System.arraycopy(gNew, 0, g, 0, n);
            f = fNew;
        }
    }

    /** The two-loop recursion: d = -H g with H0 = (s'y / y'y) I from the newest pair. */
    private void direction(double[] g, double[][] s, double[][] y, double[] rho, int stored, int newest,
            double[] d) {
        int m = s.length;
        for (int i = 0; i < n; i++) {
            d[i] = -g[i];
        }
        double[] alpha = new double[stored];
        for (int k = 0; k < stored; k++) {
            int j = (newest - k + m) % m;
            alpha[k] = rho[j] * dot(s[j], d);
            axpy(-alpha[k], y[j], d);
        }
        if (stored > 0) {
            double gamma = 1 / (rho[newest] * dot(y[newest], y[newest]));
            for (int i = 0; i < n; i++) {
                d[i] *= gamma;
            }
        }
        for (int k = stored - 1; k >= 0; k--) {
            int j = (newest - k + m) % m;
            double beta = rho[j] * dot(y[j], d);
            axpy(alpha[k] - beta, s[j], d);
        }
    }

    /**
     * Finds a step meeting the strong Wolfe conditions along {@code d}; writes the new point and gradient into
     * {@code xOut}, {@code gOut} and returns its value, or NaN when no step decreases f.
     */
    private double lineSearch(double[] x, double f0, double[] g0, double[] d, double dphi0, double step0,
            double[] xOut, double[] gOut) {
        double[] gTry = new double[n];
        double[] xTry = new double[n];
        double noise = ROUNDOFF * Math.abs(f0);
        double aPrev = 0;
        double fPrev = f0;
        double dPrev = dphi0;
        double a = step0;
        for (int i = 0; i < MAX_LINE_SEARCH; i++) {
            double fa = evalAt(x, d, a, xTry, gTry);
            double da = dot(gTry, d);
            if (!sufficient(fa, f0, a, dphi0, noise) || (i > 0 && fa > fPrev + noise)) {
                return zoom(x, f0, dphi0, d, aPrev, fPrev, dPrev, a, fa, da, xOut, gOut);
            }
            if (Math.abs(da) <= -C2 * dphi0) {
                System.arraycopy(xTry, 0, xOut, 0, n);
                System.arraycopy(gTry, 0, gOut, 0, n);
                return fa;
            }
            if (da >= 0) {
                return zoom(x, f0, dphi0, d, a, fa, da, aPrev, fPrev, dPrev, xOut, gOut);
            }
            aPrev = a;
            fPrev = fa;
            dPrev = da;
            a *= 2;
        }
        return nanUnlessDecreased(x, f0, d, aPrev, fPrev, xOut, gOut);
    }

    /** Algorithm 3.6: {@code lo} satisfies sufficient decrease and has the lower value; the minimiser lies between. */
    private double zoom(double[] x, double f0, double dphi0, double[] d, double lo, double fLo, double dLo,
            double hi, double fHi, double dHi, double[] xOut, double[] gOut) {
        double[] xTry = new double[n];
        double[] gTry = new double[n];
        double noise = ROUNDOFF * Math.abs(f0);
        for (int i = 0; i < MAX_LINE_SEARCH; i++) {
            double a = interpolate(lo, fLo, dLo, hi, fHi, dHi);
            if (a == lo || a == hi) {
                break;
            }
            double fa = evalAt(x, d, a, xTry, gTry);
            double da = dot(gTry, d);
            if (!sufficient(fa, f0, a, dphi0, noise) || fa > fLo + noise) {
                hi = a;
                fHi = fa;
                dHi = da;
            } else {
                if (Math.abs(da) <= -C2 * dphi0) {
                    System.arraycopy(xTry, 0, xOut, 0, n);
                    System.arraycopy(gTry, 0, gOut, 0, n);
                    return fa;
                }
                if (da * (hi - lo) >= 0) {
                    hi = lo;
                    fHi = fLo;
                    dHi = dLo;
                }
                lo = a;
                fLo = fa;
                dLo = da;
            }
        }
        return nanUnlessDecreased(x, f0, d, lo, fLo, xOut, gOut);
    }

    /** Armijo's sufficient decrease, or no rise beyond round-off (the approximate Wolfe condition's test). */
    private static boolean sufficient(double fa, double f0, double a, double dphi0, double noise) {
        return Double.isFinite(fa) && (fa <= f0 + C1 * a * dphi0 || fa <= f0 + noise);
    }

    /** When the interval collapsed: accept {@code lo} if it decreased f (a weak-Wolfe step), else NaN. */
    private double nanUnlessDecreased(double[] x, double f0, double[] d, double lo, double fLo, double[] xOut,
            double[] gOut) {
        if (lo > 0 && fLo <= f0) {
            return evalAt(x, d, lo, xOut, gOut);
        }
        return Double.NaN;
    }

    /** A safeguarded cubic minimiser of phi between {@code a} and {@code b}, kept 10% away from both ends. */
    static double interpolate(double a, double fa, double da, double b, double fb, double db) {
        double lo = Math.min(a, b);
        double hi = Math.max(a, b);
        double margin = 0.1 * (hi - lo);
        double d1 = da + db - 3 * (fa - fb) / (a - b);
        double disc = d1 * d1 - da * db;
        double t = Double.NaN;
        if (Double.isFinite(fb) && Double.isFinite(db) && disc >= 0) {
            double d2 = Math.signum(b - a) * Math.sqrt(disc);
            t = b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
        }
        if (!Double.isFinite(t) || t < lo + margin || t > hi - margin) {
            t = 0.5 * (lo + hi);
        }
        return t;
    }

    private double evalAt(double[] x, double[] d, double a, double[] xOut, double[] gOut) {
        for (int i = 0; i < n; i++) {
            xOut[i] = x[i] + a * d[i];
        }
        return eval(xOut, gOut);
    }

    private double eval(double[] x, double[] g) {
        evaluations++;
        Arrays.fill(g, 0);
        return fn.valueAndGradient(x, g);
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double alpha, double[] x, double[] y) {
        for (int i = 0; i < y.length; i++) {
            y[i] += alpha * x[i];
        }
    }

    static double normInf(double[] g) {
        double m = 0;
        for (double v : g) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
