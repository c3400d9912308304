"""Video-caption dataset for retrieval, in MMAction2's CLIP4Clip format."""
import json
import os.path as osp
from typing import Dict, List

from mmaction.datasets import BaseActionDataset
from mmaction.datasets.msrvtt_datasets import pre_text
from mmaction.registry import DATASETS
from mmengine.fileio import exists


@DATASETS.register_module()
class VideoCaptionDataset(BaseActionDataset):
    """Videos and their captions from a JSON ``{video: [caption, ...]}``.

    The annotation format of MMAction2's ``VideoTextDataset`` (the CLIP4Clip
    configs' ``train_9k.json`` and ``test_JSFUSION.json``; a single string
    counts as one caption). Two layouts of the same file:

    * ``group_captions=False`` (training): one sample per (video, caption)
      pair, as ``VideoTextDataset``; metainfo ``text`` is the caption;
    * ``group_captions=True`` (testing): one sample per video, with every
      caption in ``text`` (a list), as ``MSRVTTRetrieval`` does, so that a
      video is decoded and embedded once however many captions it has.

    Every sample has ``filename``, ``text`` and ``video_id`` (the video's
    index in the file). Pack ``text`` and ``video_id`` with
    ``PackActionInputs(meta_keys=(..., 'video_id', 'text'))``.

    Args:
        ann_file (str): The JSON file.
        pipeline (list): Transforms.
        data_prefix (dict): ``dict(video=folder)`` the names are relative to.
        group_captions (bool): See above.
        clean_text (bool): Lower-case captions and strip punctuation with
            MMAction2's ``pre_text`` (as ``MSRVTTRetrieval``).
        **kwargs: ``BaseActionDataset`` arguments (``test_mode``, ...).
    """

    def __init__(self, ann_file: str, pipeline: list,
                 data_prefix: dict = dict(video=''),
                 group_captions: bool = False, clean_text: bool = True,
                 **kwargs) -> None:
        for key, value in (('group_captions', group_captions),
                           ('clean_text', clean_text)):
            if not isinstance(value, bool):
                raise ValueError(f'VideoCaptionDataset.{key}={value!r}: '
                                 'expected True or False.')
        self.group_captions = group_captions
        self.clean_text = clean_text
        super().__init__(ann_file, pipeline=pipeline,
                         data_prefix=data_prefix, **kwargs)

    def _read(self) -> Dict[str, List[str]]:
        if not exists(self.ann_file):
            raise FileNotFoundError(
                f'VideoCaptionDataset: annotation file {self.ann_file} not '
                'found.')
        try:
            with open(self.ann_file) as f:
                videos = json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(f'{self.ann_file}: not valid JSON ({err}).')
        if not isinstance(videos, dict) or not videos:
            raise ValueError(f'{self.ann_file}: expected a non-empty JSON '
                             'object {video: [caption, ...]}.')
        out = {}
        for name, captions in videos.items():
            if isinstance(captions, str):
                captions = [captions]
            if not isinstance(captions, list) or not captions or not all(
                    isinstance(c, str) and c.strip() for c in captions):
                raise ValueError(f'{self.ann_file}: video {name!r} needs a '
                                 'caption or a non-empty list of non-empty '
                                 f'captions, got {captions!r}.')
            out[name] = [pre_text(c) if self.clean_text else c
                         for c in captions]
        return out

    def load_data_list(self) -> List[dict]:
        data_list = []
        prefix = self.data_prefix.get('video', '')
        for video_id, (name, captions) in enumerate(self._read().items()):
            filename = osp.join(prefix, name)
            if self.group_captions:
                data_list.append(dict(filename=filename, text=captions,
                                      video_id=video_id))
            else:
                data_list.extend(dict(filename=filename, text=c,
                                      video_id=video_id) for c in captions)
        return data_list
