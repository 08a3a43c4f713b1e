"""image_collection"""
