package org.cortado.cli;

import org.cortado.data.DataSource;
import org.cortado.data.TrainValSplit;
import picocli.CommandLine.Option;

/**
 * {@code --train SOURCE --val SOURCE}, both required: a training and a validation set over the same classes, each an
 * image folder tree, a Caffe list file, an LMDB or HDF5 rows ({@link DataSourceConverter}).
 */
final class TrainValOptions {
    @Option(names = "--train", required = true, paramLabel = "SOURCE", converter = DataSourceConverter.class,
            description = "Training images: " + DataSourceConverter.FORMS + ".")
    DataSource train;

    @Option(names = "--val", required = true, paramLabel = "SOURCE", converter = DataSourceConverter.class,
            description = "Validation images over the same classes, same forms as --train (scored, never used to "
                    + "choose).")
    DataSource val;

    TrainValSplit split() {
        return DataSource.trainVal(train, val);
    }
}
