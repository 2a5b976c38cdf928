package org.cortado.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.cortado.data.DataSource;
import org.cortado.transfer.InputRecipe;

/**
 * What the image commands (codes, transfer, probe, advise) do differently for HDF5 sources, whose rows are the net's
 * input as stored: preprocessing options are refused rather than ignored, since a user who gives {@code --crop} or
 * {@code --mean-values} expects them to apply and none can; and the preprocessing line says that none is applied.
 */
final class Hdf5Sources {
    private Hdf5Sources() {
    }

    /** The HDF5 sources among {@code sources} (nulls skipped). */
    static List<DataSource.Hdf5> of(DataSource... sources) {
        return Arrays.stream(sources).filter(Objects::nonNull).filter(DataSource.Hdf5.class::isInstance)
                .map(DataSource.Hdf5.class::cast).toList();
    }

    /**
     * Refuses preprocessing options given with an HDF5 source.
     *
     * @throws IllegalArgumentException naming the options and the source
     */
    static void refusePreprocessing(PreprocessOptions preprocess, DataSource... sources) {
        List<DataSource.Hdf5> rows = of(sources);
        refuseMixing(sources);
        List<String> given = given(preprocess);
        if (!rows.isEmpty() && !given.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", given) + " given with " + rows.get(0).spec()
                    + ": HDF5 rows are the net's input as stored (no resize, crop, mean, scale or oversampling "
                    + "applies to them); drop the option(s) or give images");
        }
    }

    /**
     * Refuses HDF5 rows beside images: the images would be transformed and the rows not, so the two sets would not
     * be the same kind of input.
     *
     * @throws IllegalArgumentException naming both
     */
    static void refuseMixing(DataSource... sources) {
        List<DataSource.Hdf5> rows = of(sources);
        for (DataSource s : sources) {
            if (s != null && !(s instanceof DataSource.Hdf5) && !rows.isEmpty()) {
                throw new IllegalArgumentException(rows.get(0).spec() + " holds the net's input as stored and "
                        + s.spec() + " images to transform: give both sets as HDF5 rows or both as images");
            }
        }
    }

    /** The preprocessing line's text: {@code input}'s description, or that HDF5 rows go to the net as stored. */
    static String preprocessing(InputRecipe input, DataSource... sources) {
        return of(sources).isEmpty() ? input.describe() : "none: HDF5 rows go to the net as stored";
    }

    private static List<String> given(PreprocessOptions p) {
        List<String> out = new ArrayList<>();
        add(out, p.resize, "--resize");
        add(out, p.resizeShorter, "--resize-shorter");
        add(out, p.crop, "--crop");
        add(out, p.meanValues, "--mean-values");
        add(out, p.meanFile, "--mean-file");
        add(out, p.scale, "--scale");
        add(out, p.transformFrom, "--transform-from");
        if (p.oversample) {
            out.add("--oversample");
        }
        return out;
    }

    private static void add(List<String> out, Object value, String name) {
        if (value != null) {
            out.add(name);
        }
    }
}
