"""Tests of the pages (Streamlit AppTest), each through the frame as a real server runs it."""
