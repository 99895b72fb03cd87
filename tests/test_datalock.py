"""The data folder's readers-writer lock: batches share it, a writer waits for them, and says so."""

import threading

from analysis.datalock import data_lock, reading, writing


def test_readers_share_and_a_writer_waits_saying_so_once(tmp_path):
    said, took = [], threading.Event()

    def writer():
        with data_lock(tmp_path, exclusive=True, waiting="waiting for readers", say=said.append):
            took.set()

    with reading(tmp_path), reading(tmp_path):  # two batches at once
        thread = threading.Thread(target=writer)
        thread.start()
        assert not took.wait(0.5)  # blocked while the readers hold the folder
    thread.join(10)
    assert took.is_set() and said == ["waiting for readers"]


def test_a_free_folder_is_taken_without_a_word_and_a_missing_one_is_not_locked(tmp_path):
    said = []
    with data_lock(tmp_path, exclusive=True, waiting="x", say=said.append):
        pass
    with writing(tmp_path / "not-there"):  # the command using it reports the missing folder
        pass
    assert said == []
