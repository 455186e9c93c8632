package org.jenkinsci.plugins.workflow.libs

import java.lang.annotation.Retention
import java.lang.annotation.RetentionPolicy

/** Stub of pipeline-groovy-lib's @Library, which Jenkins imports into every Jenkinsfile. */
@Retention(RetentionPolicy.SOURCE)
@interface Library {
    String[] value()
}
