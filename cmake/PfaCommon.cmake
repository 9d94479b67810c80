# Compile settings every target of the project links, through one INTERFACE target, so that no
# directory-scope flag can silently apply to some targets and not others.

option(PFA_WERROR "Treat compiler warnings as errors (CI turns this on)" OFF)
set(PFA_SANITIZERS "" CACHE STRING "Comma-separated -fsanitize= list, e.g. address,undefined")

add_library(pfa_common INTERFACE)
target_compile_features(pfa_common INTERFACE cxx_std_23)
target_compile_options(pfa_common INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Woverloaded-virtual -Wimplicit-fallthrough
    # GCC 12 also fires this for designated initializers that leave members to their default
    # member initializers, which is exactly how our value types are meant to be built.
    -Wno-missing-field-initializers
    $<$<BOOL:${PFA_WERROR}>:-Werror>)
target_compile_definitions(pfa_common INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_CAST_FROM_BYTEARRAY
    QT_NO_URL_CAST_FROM_STRING
    QT_USE_QSTRINGBUILDER
    QT_NO_FOREACH
    QT_NO_KEYWORDS
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_DISABLE_DEPRECATED_UP_TO=0x060400
    PFA_VERSION="${PROJECT_VERSION}")

if(PFA_SANITIZERS)
    target_compile_options(pfa_common INTERFACE
        -fsanitize=${PFA_SANITIZERS} -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(pfa_common INTERFACE -fsanitize=${PFA_SANITIZERS})
endif()

set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_CXX_STANDARD 23)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
