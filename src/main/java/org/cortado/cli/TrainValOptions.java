package org.cortado.cli;

import java.nio.file.Path;
import org.cortado.data.ImageFolders;
import org.cortado.data.TrainValSplit;
import picocli.CommandLine.Option;

/** {@code --train DIR --val DIR}, both required: a training and a validation set over the same class folders. */
final class TrainValOptions {
    @Option(names = "--train", required = true, paramLabel = "DIR",
            description = "Training images, one subfolder per class.")
    Path train;

    @Option(names = "--val", required = true, paramLabel = "DIR",
            description = "Validation images over the same class folders (scored, never used to choose).")
    Path val;

    TrainValSplit split() {
        return ImageFolders.trainVal(train, val);
    }
}
