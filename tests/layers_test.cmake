# The layering check of core/ (core/check_layers.cmake) refuses an upward include and names the file, and
# lets includes of the layer's own and lower layers through. Run by ctest as
#   cmake -DCHECK=core/check_layers.cmake -DWORK=<scratch folder> -P layers_test.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/core/pose")
function(check expect_ok file_text)
  file(WRITE "${WORK}/core/pose/probe.cpp" "${file_text}")
  execute_process(COMMAND ${CMAKE_COMMAND} -DLAYER=pose -DALLOWED=pose,body,io,base -DFILES=${WORK}/core/pose/probe.cpp
                          -DROOT=${WORK} -DSTAMP=${WORK}/probe.ok -P ${CHECK}
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(expect_ok AND NOT rc EQUAL 0)
    message(FATAL_ERROR "allowed includes were refused:\n${err}")
  endif()
  if(NOT expect_ok)
    if(rc EQUAL 0)
      message(FATAL_ERROR "an upward include passed the check:\n${file_text}")
    endif()
    if(NOT err MATCHES "core/pose/probe.cpp: includes core/nn/language_model.h \\(layer 'nn'\\)")
      message(FATAL_ERROR "the refusal does not name the file and the include:\n${err}")
    endif()
    if(NOT err MATCHES "'pose' may include only: pose, body, io, base")
      message(FATAL_ERROR "the refusal does not say what the layer may include:\n${err}")
    endif()
  endif()
endfunction()
check(TRUE "#include \"core/pose/pose.h\"\n#include \"core/body/skeleton.h\"\n#include \"core/error.h\"\n#include <vector>\n#include <torch/nn.h>\n")
check(FALSE "#include \"core/body/skeleton.h\"\n  #  include \"core/nn/language_model.h\"\n")
# app/ and ui/ forbid LibTorch headers.
file(WRITE "${WORK}/app/main.cpp" "#include \"core/engine/engine.h\"\n#include <ATen/ATen.h>\n")
execute_process(COMMAND ${CMAKE_COMMAND} -DLAYER=app -DALLOWED=base,engine -DFORBIDDEN=torch/,ATen/ -DFILES=${WORK}/app/main.cpp
                        -DROOT=${WORK} -DSTAMP=${WORK}/app.ok -P ${CHECK}
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "app/main.cpp: #include <ATen/ATen.h> \\(no <ATen/...> headers here\\)")
  message(FATAL_ERROR "a LibTorch header in app/ was not refused:\n${err}")
endif()
file(REMOVE_RECURSE "${WORK}")
message(STATUS "layer check: refuses upward includes and LibTorch headers where they do not belong, allows the rest")
