# Build-time check of the layering (docs/architecture.md): a file of layer LAYER may include core headers of
# the layers in ALLOWED only, and no system header starting with one of FORBIDDEN (app/ and ui/: no torch/).
# Run by the build as
#   cmake -DLAYER=nn -DALLOWED=nn,base,io,... [-DFORBIDDEN=torch/,ATen/] -DFILES=a.h,b.cpp -DROOT=<source dir>
#         -DSTAMP=<file> -P check_layers.cmake
# and by tests/layers_test.cmake on purpose-made violations. Fails naming every offending file and include.
string(REPLACE "," ";" allowed "${ALLOWED}")
string(REPLACE "," ";" forbidden "${FORBIDDEN}")
string(REPLACE "," ";" files "${FILES}")
set(problems "")
foreach(file ${files})
  file(RELATIVE_PATH shown "${ROOT}" "${file}")
  foreach(prefix ${forbidden})
    file(STRINGS "${file}" bad REGEX "^[ \t]*#[ \t]*include[ \t]*<${prefix}")
    foreach(line ${bad})
      string(STRIP "${line}" line)
      string(APPEND problems "  ${shown}: ${line} (no <${prefix}...> headers here)\n")
    endforeach()
  endforeach()
  file(STRINGS "${file}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]core/")
  foreach(line ${includes})
    string(REGEX MATCH "core/[^\">]+" header "${line}")
    if(header MATCHES "^core/([a-z_]+)/")
      set(layer ${CMAKE_MATCH_1})
    else()
      set(layer base)  # core/error.h, core/tasks.h, ...
    endif()
    list(FIND allowed ${layer} found)
    if(found EQUAL -1)
      string(APPEND problems "  ${shown}: includes ${header} (layer '${layer}')\n")
    endif()
  endforeach()
endforeach()
if(problems)
  string(REPLACE ";" ", " shown_allowed "${allowed}")
  # Lines that start with spaces are printed as they are (CMake reflows the others).
  message(FATAL_ERROR "'${LAYER}' includes what its layer may not:\n${problems}"
                      "  '${LAYER}' may include only: ${shown_allowed}.\n"
                      "  Move the code to the right layer, or declare the dependency in its CMakeLists.txt if the layer\n"
                      "  order allows it (docs/architecture.md).")
endif()
file(TOUCH "${STAMP}")
