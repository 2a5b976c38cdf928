package org.cortado.features;

import java.time.Instant;

/**
 * Where codes came from, stored beside them so that a feature file can be traced to its model and settings.
 *
 * @param model         the deploy prototxt (as given)
 * @param weights       the caffemodel (as given)
 * @param weightsSha1   SHA-1 of the caffemodel, hex
 * @param layer         the blob the codes were taken from
 * @param activation    "post" (after in-place layers such as ReLU, the default) or "pre"
 * @param pooling       spatial pooling of conv codes: "avg", "max" or "none" (flattened)
 * @param preprocessing the image transform, in words ({@code TransformSpec.describe()})
 * @param engine        the engine name and version
 * @param created       when the extraction finished (ISO-8601)
 */
public record Provenance(String model, String weights, String weightsSha1, String layer, String activation,
        String pooling, String preprocessing, String engine, String created) {

    /** This record with {@code created} set to now. */
    public Provenance stamped() {
        return new Provenance(model, weights, weightsSha1, layer, activation, pooling, preprocessing, engine,
                Instant.now().toString());
    }

    /** The fields that decide what the codes are (everything but the time), for resumption checks. */
    public String identity() {
        return String.join("\n", model, weights, weightsSha1, layer, activation, pooling, preprocessing, engine);
    }
}
