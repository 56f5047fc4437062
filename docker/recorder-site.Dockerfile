# The site recorder image OpenVidu runs (OPENVIDU_RECORDING_IMAGE) and the controller starts
# as backup (HA_RECORDER_IMAGE): the generic ov2-ha-recorder image plus this host's
# recorder.env. Built locally by docker/ov2-ha-recorder.sh (build, start, reconfigure) from a
# private folder (mode 700) holding only this file and recorder.env (mode 600); never pushed
# to a registry. COPY keeps the file's mode 600, owner root.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY recorder.env /etc/ov2-ha-recorder/recorder.env
