package org.cortado.heads;

import java.util.Locale;

/** The kinds of linear head. */
public enum HeadType {
    /** Multinomial logistic regression ({@link SoftmaxRegression}). */
    SOFTMAX,
    /** One-vs-rest linear SVM ({@link LinearSvm}). */
    SVM;

    /** "softmax" or "svm". */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses "softmax" (or "logistic") and "svm". */
    public static HeadType parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "softmax", "logistic" -> SOFTMAX;
            case "svm" -> SVM;
            default -> throw new IllegalArgumentException("unknown head '" + s + "' (expected softmax or svm)");
        };
    }
}
