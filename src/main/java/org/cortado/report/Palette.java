package org.cortado.report;

/**
 * Class colours: the Okabe-Ito palette (told apart with the common colour-vision deficiencies) for the first eight
 * classes, then hues a golden angle apart.
 */
final class Palette {
    private static final String[] OKABE_ITO = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
        "#F0E442", "#000000"};

    private Palette() {
    }

    static String colour(int k) {
        if (k < OKABE_ITO.length) {
            return OKABE_ITO[k];
        }
        double hue = (k * 137.508) % 360;
        return hsl(hue, 0.65, 0.42);
    }

    /** White to the palette's blue as {@code t} goes from 0 to 1: the confusion matrix's cells. */
    static String ramp(double t) {
        t = Math.max(0, Math.min(1, t));
        int r = (int) Math.round(255 + t * (0x00 - 255));
        int g = (int) Math.round(255 + t * (0x72 - 255));
        int b = (int) Math.round(255 + t * (0xB2 - 255));
        return String.format("#%02x%02x%02x", r, g, b);
    }

    private static String hsl(double h, double s, double l) {
        double c = (1 - Math.abs(2 * l - 1)) * s;
        double x = c * (1 - Math.abs((h / 60) % 2 - 1));
        double m = l - c / 2;
        double[] rgb = h < 60 ? new double[] {c, x, 0} : h < 120 ? new double[] {x, c, 0}
                : h < 180 ? new double[] {0, c, x} : h < 240 ? new double[] {0, x, c}
                : h < 300 ? new double[] {x, 0, c} : new double[] {c, 0, x};
        return String.format("#%02x%02x%02x", Math.round((rgb[0] + m) * 255), Math.round((rgb[1] + m) * 255),
                Math.round((rgb[2] + m) * 255));
    }
}
