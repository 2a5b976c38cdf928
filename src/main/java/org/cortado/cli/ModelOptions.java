package org.cortado.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The model a command runs: a deploy prototxt and, usually, its caffemodel. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DEPLOY",
            description = "Net definition (deploy.prototxt; V1 and V2 formats).")
    Path model;

    @Option(names = "--weights", paramLabel = "CAFFEMODEL",
            description = "Trained weights (.caffemodel, V1 or V2), matched to layers by name.")
    Path weights;
}
