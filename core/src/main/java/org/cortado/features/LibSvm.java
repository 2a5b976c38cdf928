package org.cortado.features;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.cortado.io.AtomicFiles;

/**
 * LIBSVM's sparse text format, read by LIBSVM, LIBLINEAR, scikit-learn's {@code load_svmlight_file} and most SVM
 * tools: one line per row, {@code label index:value ...}, indices 1-based and increasing, zeros left out (ReLU codes
 * are mostly zeros). Values are written as Java prints floats, which reads back to the same float.
 */
public final class LibSvm {
    private LibSvm() {
    }

    /** Writes the rows of {@code set} with their labels to {@code file}, atomically. */
    public static void write(Path file, FeatureSet set) {
        int d = set.dim();
        float[] data = set.codes().hostData();
        int[] labels = set.labels();
        AtomicFiles.write(file, out -> {
            BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.US_ASCII));
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < labels.length; i++) {
                line.setLength(0);
                line.append(labels[i]);
                for (int j = 0; j < d; j++) {
                    float v = data[i * d + j];
                    if (v != 0) {
                        line.append(' ').append(j + 1).append(':').append(v);
                    }
                }
                w.append(line).append('\n');
            }
            w.flush();
        });
    }
}
