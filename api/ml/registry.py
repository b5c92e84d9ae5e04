"""Every model's name and version, so a result records what made it and a new version re-runs
only its own step."""

MODELS: dict[str, str] = {
    # dlib's 128-d face encoder (face_recognition_models 0.3.0) behind HOG or CNN detection.
    "dlib_face_recognition_resnet_model_v1": "1",
}
