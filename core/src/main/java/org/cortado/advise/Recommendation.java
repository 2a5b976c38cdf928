package org.cortado.advise;

import java.util.List;
import java.util.Locale;
import org.cortado.heads.HeadSpec;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;

/**
 * A recipe the advisor recommends: a linear head on codes ({@code transfer}) or fine-tuning ({@code finetune}).
 *
 * @param strategy      codes or finetune
 * @param layers        for codes: the layers whose codes are joined (one for a single layer)
 * @param head          for codes: the head, with its C
 * @param cvAccuracy    for codes: its cross-validated accuracy on the training codes (NaN for fine-tuning)
 * @param replace       for fine-tuning: the source classifier replaced by one for the new classes
 * @param freezeThrough for fine-tuning: the layer frozen through, or null to train every layer
 * @param baseLr        for fine-tuning: the learning rate of the pretrained layers
 * @param epochs        for fine-tuning: passes over the training set
 */
public record Recommendation(Strategy strategy, List<String> layers, HeadSpec head, double cvAccuracy, String replace,
        String freezeThrough, double baseLr, int epochs) {

    /** The two recipes. */
    public enum Strategy {
        CODES, FINETUNE;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Recommendation {
        layers = layers == null ? List.of() : List.copyOf(layers);
    }

    /** Codes of {@code layers}, joined, with {@code head}. */
    public static Recommendation codes(List<String> layers, HeadSpec head, double cvAccuracy) {
        return new Recommendation(Strategy.CODES, layers, head, cvAccuracy, null, null, Double.NaN, 0);
    }

    /** Fine-tuning with {@code replace} replaced and the layers through {@code freezeThrough} frozen. */
    public static Recommendation finetune(String replace, String freezeThrough, double baseLr, int epochs) {
        return new Recommendation(Strategy.FINETUNE, List.of(), null, Double.NaN, replace, freezeThrough, baseLr,
                epochs);
    }

    /** The layers as {@code transfer --layer} takes them: joined by "+". */
    public String layerArgument() {
        return String.join("+", layers);
    }

    /** One line: "codes of fire9/concat, softmax, C = 1" or "finetune conv_final, frozen through pool8, ...". */
    public String describe() {
        if (strategy == Strategy.CODES) {
            return String.format(Locale.ROOT, "codes of %s (post-activation, averaged over space), %s head on"
                    + " standardised codes, C = %s", layerArgument(), head.describe(), c(head.c()));
        }
        return String.format(Locale.ROOT, "fine-tune with %s replaced, %s, base learning rate %s, %d epochs", replace,
                freezeThrough == null ? "every layer trained" : "frozen through " + freezeThrough, c(baseLr), epochs);
    }

    /**
     * The equivalent command line, with the model and data as given and the preprocessing {@code input} as options
     * (a mean image as {@code --mean-file MEAN}, since only its values are known here; null: none, for HDF5 rows).
     */
    public String command(String model, String weights, String train, String val, TransformSpec input) {
        String common = String.format(Locale.ROOT, "--model %s --weights %s --train %s --val %s%s", shellWord(model),
                shellWord(weights), shellWord(train), shellWord(val), flags(input));
        if (strategy == Strategy.CODES) {
            return String.format(Locale.ROOT, "./cortado transfer %s --layer %s --head %s --c %s --report R.json",
                    common, shellWord(layerArgument()), head.type().id(), c(head.c()));
        }
        String freeze = freezeThrough == null ? "" : " --freeze-through " + shellWord(freezeThrough);
        return String.format(Locale.ROOT, "./cortado finetune %s --replace %s%s --base-lr %s --epochs %d"
                + " --report R.json", common, shellWord(replace), freeze, c(baseLr), epochs);
    }

    /**
     * A deterministic transform as the preprocessing options of {@code transfer} and {@code finetune}; none for null
     * (HDF5 rows, which go to the net as stored).
     */
    static String flags(TransformSpec t) {
        StringBuilder sb = new StringBuilder();
        if (t == null) {
            return "";
        }
        if (t.resize() instanceof ResizeMode.Fixed f) {
            sb.append(" --resize ").append(f.height()).append('x').append(f.width());
        } else if (t.resize() instanceof ResizeMode.ShorterSide s) {
            sb.append(" --resize-shorter ").append(s.size());
        }
        if (t.cropHeight() > 0) {
            sb.append(" --crop ").append(t.cropHeight() == t.cropWidth() ? String.valueOf(t.cropHeight())
                    : t.cropHeight() + "x" + t.cropWidth());
        }
        float[] mean = t.meanValues();
        if (mean.length > 0) {
            sb.append(" --mean-values ");
            for (int i = 0; i < mean.length; i++) {
                sb.append(i > 0 ? "," : "").append(c(mean[i]));
            }
        } else if (t.meanImage() != null) {
            sb.append(" --mean-file MEAN");
        }
        if (t.scale() != 1f) {
            sb.append(" --scale ").append(c(t.scale()));
        }
        return sb.toString();
    }

    /** {@code word} as a POSIX shell reads it back: unchanged when plain, else in single quotes. */
    static String shellWord(String word) {
        if (!word.isEmpty() && word.matches("[A-Za-z0-9_./:=,+@%-]+")) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private static String c(double v) {
        return java.math.BigDecimal.valueOf(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }
}
